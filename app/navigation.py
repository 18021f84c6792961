"""Role-aware navigation: each entry names the roles that see it."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l

from app.modules.auth.permissions import current_roles


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object
    roles: frozenset[str]


NAV = (
    NavItem("cases.mine", _l("My case"), frozenset({"employee"})),
    NavItem("cases.team", _l("My team"), frozenset({"supervisor"})),
    NavItem("cases.queue", _l("HR queue"), frozenset({"hr", "auditor"})),
    NavItem("handover.inbox", _l("My handover items"), frozenset({"employee", "it", "finance", "admin"})),
    NavItem("alumni.index", _l("Alumni"), frozenset({"hr"})),
    NavItem("alumni.self_home", _l("My alumni page"), frozenset({"alumni"})),
    NavItem("analytics.index", _l("Analytics"), frozenset({"hr", "auditor"})),
    NavItem("workflows.index", _l("Workflows"), frozenset({"hr_admin", "auditor"})),
    NavItem("admin.webhooks", _l("Webhooks"), frozenset({"hr_admin"})),
)


def nav_items() -> list[NavItem]:
    """The entries the current user may see, for the pages that exist."""
    roles = current_roles()
    return [i for i in NAV if i.roles & roles and i.endpoint in current_app.view_functions]


def init_navigation(app: Flask) -> None:
    app.jinja_env.globals["nav_items"] = nav_items
