from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models

US_STATES = {
    "AZ": "Arizona",
    "CA": "California",
    "CO": "Colorado",
    "ID": "Idaho",
    "NM": "New Mexico",
    "NV": "Nevada",
    "OR": "Oregon",
    "UT": "Utah",
    "WA": "Washington",
    "WY": "Wyoming",
}


class User(AbstractUser):
    """A person who logs in. `role` decides what they see; see `accounts.scope`."""

    class Role(models.TextChoices):
        EXECUTIVE = "executive", "Executive (whole chain)"
        REGIONAL_MANAGER = "regional_manager", "Regional manager (assigned states)"
        STORE_MANAGER = "store_manager", "Store manager (assigned stores)"
        ANALYST = "analyst", "Analyst (whole chain, read-only, may export)"

    role = models.CharField(max_length=20, choices=Role.choices, blank=True)
    states = models.JSONField(
        default=list,
        blank=True,
        help_text='Regional managers: the USPS state codes they answer for, e.g. ["NV", "UT"].',
    )
    stores = models.ManyToManyField(
        "stores.Store",
        blank=True,
        related_name="managers",
        help_text="Store managers: the stores they run.",
    )

    def clean(self) -> None:
        super().clean()
        if not isinstance(self.states, list) or not all(
            isinstance(s, str) and len(s) == 2 and s.isupper() for s in self.states
        ):
            raise ValidationError({"states": 'A list of two-letter state codes, e.g. ["NV"].'})
        if self.states and self.role != self.Role.REGIONAL_MANAGER:
            raise ValidationError({"states": "Only regional managers are assigned states."})

    @property
    def can_export(self) -> bool:
        return self.is_active and bool(self.role or self.is_staff)

    @property
    def is_read_only(self) -> bool:
        """Analysts (and every non-staff role) read; only staff change data."""
        return not self.is_staff
