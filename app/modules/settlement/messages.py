"""The sentences of a settlement sheet, by code; rendered in the reader's language.

Lines store codes and parameters (not finished sentences), so an English-speaking HR user
and a Chinese-speaking employee read the same sheet in their own language.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

LINE_TITLES = {
    "compensation": _l("Economic compensation"),
    "pay_in_lieu": _l("Pay in lieu of notice"),
    "leave_payout": _l("Untaken annual leave"),
    "final_wage": _l("Wage for the last month"),
    "non_compete": _l("Non-compete compensation"),
}

BASIS = {
    "basis_pending": _l("How the contract ends is not decided yet; compensation is computed once "
                        "it is (LCL Art 46)."),
    "basis_mutual_employer_proposed": _l("Mutual agreement proposed by the employer: economic "
                                         "compensation is owed (LCL Art 36, Art 46(2))."),
    "basis_mutual_employee_proposed": _l("Mutual agreement proposed by the employee: no economic "
                                         "compensation (LCL Art 36; Art 46(2) applies only when "
                                         "the employer proposed it)."),
    "basis_resignation": _l("Resignation by the employee: no economic compensation (LCL Art 37; "
                            "not a case of Art 46)."),
    "basis_resignation_employer_fault": _l("Resignation for the employer's fault: economic "
                                           "compensation is owed (LCL Art 38, Art 46(1))."),
    "basis_dismissal_for_cause": _l("Dismissal for cause: no economic compensation (LCL Art 39; "
                                    "not a case of Art 46)."),
    "basis_dismissal_no_fault": _l("Dismissal without fault: economic compensation is owed "
                                   "(LCL Art 40, Art 46(3))."),
    "basis_mass_layoff": _l("Mass layoff: economic compensation is owed (LCL Art 41, Art 46(4))."),
    "basis_expiry": _l("The fixed-term contract expired and was not renewed on equal or better "
                       "terms: economic compensation is owed (LCL Art 44(1), Art 46(5))."),
    "basis_expiry_renewal_refused": _l("The employee declined renewal on equal or better terms: "
                                       "no economic compensation (LCL Art 44(1), Art 46(5))."),
    "basis_retirement": _l("The contract ends on retirement: no economic compensation "
                           "(LCL Art 44(2), Reg Art 21)."),
    "basis_death": _l("The contract ends on the employee's death: no economic compensation "
                      "(LCL Art 44(3))."),
    "basis_employer_closed": _l("The employer closed: economic compensation is owed "
                                "(LCL Art 44(4)(5), Art 46(6))."),
}

NOTES = {
    **BASIS,
    "dates_missing": _l("The hire date or the last working day is missing or out of order; "
                        "nothing can be computed yet."),
    "wage_missing": _l("No wage is known for this employee; record the wage history first."),
    "wage_average": _l("Monthly wage: the average of %(n)s months' wages, %(first)s to %(last)s, "
                       "is %(amount)s (LCL Art 47 para 3)."),
    "wage_contract": _l("No wage history is recorded for the 12 months before the end; the "
                        "monthly wage at filing, %(amount)s, is used (LCL Art 47 para 3)."),
    "wage_minimum": _l("The average is below the local minimum wage, so the minimum wage "
                       "%(minimum)s is used (Reg Art 27; %(source)s)."),
    "comp_service": _l("Service from %(start)s to %(end)s (years: %(years)s, months: %(months)s, "
                       "days: %(days)s) counts as %(count)s months' wage (LCL Art 47 para 1: 6 "
                       "months or more count as a year, less as half a month)."),
    "comp_no_average": _l("No average monthly wage of %(city)s for %(year)s is configured, so the "
                          "3x cap (LCL Art 47 para 2) was not checked; add it to the wage data."),
    "comp_cap": _l("The wage is above 3 times the %(year)s average monthly wage of %(city)s "
                   "(%(average)s; %(source)s): the base is %(base)s (LCL Art 47 para 2)."),
    "comp_cap_years": _l("With the capped wage at most 12 years count: 12 months' wage "
                         "(LCL Art 47 para 2)."),
    "comp_before_2008": _l("Service before 2008-01-01 follows the transition rule of LCL Art 97; "
                           "check that part by hand."),
    "comp_amount": _l("Amount: %(base)s × %(count)s = %(amount)s."),
    "figure_unverified": _l("The figure %(amount)s is marked unverified in the wage data "
                            "(%(source)s); check it against the published notice."),
    "minimum_missing": _l("No minimum wage of %(city)s in force on %(on)s is configured; the "
                          "minimum was not applied."),
    "pil_not_applicable": _l("Owed only when an Art 40 dismissal is made without 30 days' written "
                             "notice (LCL Art 40, Reg Art 20)."),
    "pil_notice_given": _l("30 days' written notice is given, so no pay in lieu is owed "
                           "(LCL Art 40)."),
    "pil_owed": _l("One month's wage instead of 30 days' notice, at the previous month's wage "
                   "(%(month)s): %(amount)s (LCL Art 40, Reg Art 20)."),
    "pil_owed_contract": _l("One month's wage instead of 30 days' notice; no wage is recorded for "
                            "the previous month, so the monthly wage at filing is used: "
                            "%(amount)s (LCL Art 40, Reg Art 20)."),
    "leave_facts_missing": _l("HR has not yet entered the annual leave taken this year and the "
                              "cumulative years of work (Paid Annual Leave Regulations Art 3)."),
    "leave_entitlement": _l("%(years)s cumulative years of work: %(days)s days of annual leave a "
                            "year (Paid Annual Leave Regulations Art 3)."),
    "leave_prorata": _l("%(worked)s of 365 days this year × %(days)s days − %(taken)s days taken "
                        "= %(due)s, so %(whole)s whole days are owed (Implementing Measures "
                        "Art 12: part of a day is not paid)."),
    "leave_daily": _l("Daily wage: %(wage)s ÷ 21.75 = %(daily)s (Implementing Measures Art 11)."),
    "leave_amount": _l("Each untaken day is paid at 300%% of the daily wage, 100%% of it already "
                       "in the salary: %(daily)s × 200%% × %(whole)s = %(amount)s (Implementing "
                       "Measures Art 10)."),
    "final_days": _l("Working days worked from %(first)s to %(last)s, on the official holiday "
                     "calendar: %(days)s."),
    "calendar_estimated": _l("No official holiday notice is loaded for %(year)s; the working "
                             "days are estimated."),
    "final_amount": _l("Monthly wage %(wage)s ÷ 21.75 × %(days)s days = %(amount)s (21.75 paid "
                       "days a month, MOHRSS notice [2008] No. 3)."),
    "final_full_month": _l("A full month worked is paid at the monthly wage: %(amount)s."),
    "nc_none": _l("No non-compete is agreed."),
    "nc_monthly": _l("Monthly compensation: 30%% of the 12-month average wage %(average)s, not "
                     "below the local minimum wage %(minimum)s: %(monthly)s (SPC Interpretation "
                     "I Art 36)."),
    "nc_amount": _l("%(monthly)s × %(months)s months = %(amount)s, paid monthly after the "
                    "employee leaves (LCL Art 23, Art 24: at most 24 months)."),
}


def render_note(item: dict) -> str:
    """One stored note as a sentence in the current language."""
    message = NOTES.get(item.get("code", ""))
    if message is None:
        return str(item.get("code", ""))
    params = item.get("params") or {}
    return str(message) % params if params else str(message).replace("%%", "%")
