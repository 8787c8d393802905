"""simple-history's HistoricalRecords, its historical models kept in ``agreements.models``."""

from simple_history.models import HistoricalRecords as BaseHistoricalRecords


class HistoricalRecords(BaseHistoricalRecords):
    """A historical model goes to its model's module, or to the app's package (``agreements``) when that
    module is not ``agreements.models``: for models in this package's modules, ``agreements``, where
    nothing imports it from (Django's shell, for one). They stay ``agreements.models.HistoricalX``."""

    def contribute_to_class(self, cls, name):
        super().contribute_to_class(cls, name)
        self.module = "agreements.models"
