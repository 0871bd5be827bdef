"""Accounts: a resident can reset a forgotten password by e-mail and log in again."""

import re

from django.core import mail

from tests.factories import PASSWORD


def test_password_reset_by_email_lets_the_resident_log_in_with_the_new_password(client, resident):
    response = client.post("/accounts/password/reset/", {"email": resident.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [resident.email]
    link = re.search(r"https?://[^/]+(/accounts/password/reset/key/\S+)", mail.outbox[0].body)
    assert link, mail.outbox[0].body

    form = client.get(link.group(1), follow=True)
    new_password = "a-brand-new-pass-456"
    response = client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else link.group(1),
        {"password1": new_password, "password2": new_password},
    )
    assert response.status_code == 302

    client.logout()
    old = client.post("/accounts/login/", {"login": resident.username, "password": PASSWORD})
    assert old.status_code == 200  # the form again, with an error
    new = client.post("/accounts/login/", {"login": resident.username, "password": new_password})
    assert new.status_code == 302
    assert client.get("/concerns/mine/").status_code == 200


def test_login_page_accepts_the_email_address(client, resident):
    response = client.post("/accounts/login/", {"login": resident.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/concerns/mine/").status_code == 200
