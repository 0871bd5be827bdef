"""API permission classes built on the roles in civic.roles."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from civic.roles import RESIDENT, is_staff_member, user_has_role


class IsOfficerOrReadOnly(BasePermission):
    """Anyone may read; only policy officers and administrators write."""

    def has_permission(self, request, view) -> bool:
        return request.method in SAFE_METHODS or is_staff_member(request.user)


class IsOfficer(BasePermission):
    """Policy officers and administrators only, reading too (internal work lists)."""

    def has_permission(self, request, view) -> bool:
        return is_staff_member(request.user)


class ConcernPermission(BasePermission):
    """Residents and officers file concerns; object rules are enforced in services."""

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        if not request.user.is_authenticated:
            return False
        if view.action == "create":
            return user_has_role(request.user, RESIDENT) or is_staff_member(request.user)
        return True
