"""The pure suite needs no database.

pytest-odoo (installed for the Odoo suite) registers session- and module-wide autouse
fixtures that open an Odoo registry on ``--odoo-database``. Fixtures of the same name here
override them for the tests of this folder only, so ``python3 -m pytest tests`` runs without a
database while ``pytest --odoo-database=... l10n_mx_immex_annex24/tests`` keeps the plugin's.
"""

import pytest


@pytest.fixture(scope="session", autouse=True)
def load_registry():
    yield


@pytest.fixture(scope="module", autouse=True)
def enable_odoo_test_flag():
    yield
