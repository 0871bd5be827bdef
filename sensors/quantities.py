"""The quantities sensors measure, with their units and plausible ranges."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Quantity:
    """One measured quantity: its code in the API and the database, unit and hard limits."""

    code: str
    label: object
    unit: str
    # Physically possible values; outside them a reading is refused at ingest
    # (quality control flags merely implausible values later).
    minimum: float
    maximum: float


QUANTITIES = {
    q.code: q
    for q in (
        Quantity("air_temperature", _("air temperature"), "°C", -50.0, 70.0),
        Quantity("relative_humidity", _("relative humidity"), "%", 0.0, 100.0),
        Quantity("soil_moisture", _("soil moisture"), "%", 0.0, 100.0),
        Quantity("precipitation", _("precipitation"), "mm", 0.0, 500.0),
        # Wet feet: 1 when water stands at the sensor, 0 when it is gone.
        Quantity("wet_feet", _("wet feet"), "on/off", 0.0, 1.0),
    )
}
QUANTITY_CHOICES = [(q.code, q.label) for q in QUANTITIES.values()]
