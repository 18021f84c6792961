"""The start page: one panel per role the user holds."""
from flask import Blueprint, render_template
from flask_login import current_user, login_required

from app.modules.auth.permissions import current_roles
from app.modules.home import queries

bp = Blueprint("home", __name__, template_folder="templates")


@bp.route("/")
@login_required
def index():
    """Show my case, my team and the HR queue, as the user's roles allow."""
    roles = current_roles()
    employee_id = current_user.employee_id
    panels = {}
    if "employee" in roles:
        panels["mine"] = queries.my_cases(employee_id)
    if "supervisor" in roles:
        panels["team"] = queries.team_members(employee_id)
        panels["team_cases"] = queries.team_cases(employee_id)
    if roles & {"hr", "auditor"}:
        panels["queue"] = queries.recent_cases()
    return render_template("home/index.html", panels=panels, roles=roles)
