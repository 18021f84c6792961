"""The interview's calendar invitation (RFC 5545 / iTIP RFC 5546), written with `icalendar`.

One UID per interview; each invitation, update or cancellation carries a higher SEQUENCE.
`icalendar` escapes the text values (a newline in a place cannot start a new property) and
folds long lines. Times are given in Asia/Shanghai with its VTIMEZONE.
"""
from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar, Event, vCalAddress, vText

from app.clock import china_time, now

PRODID = "-//Sendoff//Exit interview//EN"
METHODS = ("REQUEST", "CANCEL")


def interview_uid(interview) -> str:
    """The same for every message about this interview, so calendars update one entry."""
    return f"exit-interview-{interview.id}@sendoff"


def _address(name: str, email: str, **params) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["CN"] = vText(name)
    for key, value in params.items():
        address.params[key.replace("_", "-").upper()] = vText(value)
    return address


def build_invitation(interview, *, method: str, sequence: int, summary: str,
                     organizer: tuple[str, str] | None,
                     attendees: list[tuple[str, str]]) -> str:
    """The ICS text of a REQUEST (new or moved interview) or a CANCEL."""
    if method not in METHODS:
        raise ValueError(f"unknown iTIP method {method!r}")
    start = china_time(interview.starts_at)
    event = Event()
    event.add("uid", interview_uid(interview))
    event.add("sequence", sequence)
    event.add("dtstamp", now())
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=interview.minutes or 45))
    event.add("summary", summary)
    event.add("location", interview.location or interview.video_link)
    if interview.video_link:
        event.add("url", interview.video_link)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    if organizer:
        event.add("organizer", _address(*organizer))
    for name, email in attendees:
        event.add("attendee", _address(name, email, role="REQ-PARTICIPANT",
                                       partstat="NEEDS-ACTION", rsvp="TRUE"))
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical().decode("utf-8")
