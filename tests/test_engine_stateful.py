"""Hypothesis: random events by random actors on every shipped workflow keep the invariants."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from app.engine import machine as m
from app.engine import runtime as rt
from app.engine.audit import verify_chain
from app.engine.clock import FixedClock, WeekdayCalendar
from app.engine.definition import from_canonical
from app.engine.models import WorkflowDefinition, WorkflowSignature
from tests.engine_fixtures import ACTORS, PEOPLE, SHIPPED, WORKFLOWS, FakeWorld, fake_registry, utc

FULL_PAYLOAD = {"agreed_last_day": "2026-03-31", "comment": "because", "ground": "40(3)",
                "union_notified_on": "2026-03-01", "pension_reference": "P-1"}


def all_events(defn) -> list[str]:
    names = {t.event for s in defn.states.values() for t in s.transitions}
    return sorted(names | {t.event for t in defn.global_transitions} | {"nonsense"})


def test_random_events_keep_the_invariants(fresh_db):
    world = FakeWorld()
    registry = fake_registry(world)
    with fresh_db() as session:
        for name in SHIPPED:
            rt.deploy(session, WORKFLOWS / f"{name}.yaml", registry=registry)
        session.commit()
        defs = {row.workflow_id: from_canonical(row.canonical)
                for row in session.scalars(select(WorkflowDefinition))}
        env = dict(clock=FixedClock(utc(2026, 3, 2, 2)), calendar=WeekdayCalendar(),
                   registry=registry)

        class Workflows(RuleBasedStateMachine):
            instances = Bundle("instances")

            @initialize(target=instances, name=st.sampled_from(SHIPPED))
            def start(self, name):
                return self.start_one(name)

            @rule(target=instances, name=st.sampled_from(SHIPPED))
            def start_another(self, name):
                return self.start_one(name)

            def start_one(self, name):
                instance = rt.start_instance(session, name, ACTORS[3], subject="case:1",
                                             payload=PEOPLE, **env)
                session.commit()
                return instance.id

            @rule(checklist=st.booleans(), notice=st.booleans(), union=st.booleans())
            def change_the_world(self, checklist, notice, union):
                world.checklist_complete, world.notice_ok = checklist, notice
                world.union_notified = union

            @rule(instance_id=instances, data=st.data())
            def fire(self, instance_id, data):
                instance = session.get(rt.WorkflowInstance, instance_id)
                defn = defs[instance.workflow_id]
                before = tuple(instance.configuration)
                version = instance.version
                event = data.draw(st.sampled_from(all_events(defn)), label="event")
                actor = data.draw(st.sampled_from(ACTORS), label="actor")
                stale = data.draw(st.booleans(), label="stale")
                payload = {**FULL_PAYLOAD,
                           "notice_mode": data.draw(st.sampled_from(["notice", "pay_in_lieu"])),
                           "offer_terms": data.draw(st.sampled_from(["equal_or_better", "lower"]))}
                if data.draw(st.booleans(), label="empty payload"):
                    payload = {}
                result = rt.fire(session, instance_id, event, actor,
                                 version - 1 if stale else version, payload, **env)
                session.commit()
                if m.is_finished(defn, before):
                    assert not result.ok and result.refusal.code in ("final_state", "stale_version")
                if result.ok:
                    assert not stale and instance.version == version + 1
                    if result.joined:
                        self.check_join(instance_id, defn, result.joined)
                else:
                    assert instance.version == version
                    assert tuple(instance.configuration) == before
                    if stale:
                        assert result.refusal.code == "stale_version"

            def check_join(self, instance_id, defn, parallel):
                slots = set(session.scalars(select(WorkflowSignature.slot).where(
                    WorkflowSignature.instance_id == instance_id)))
                assert {r.path for r in defn.state(parallel).regions} <= slots

            @invariant()
            def no_parallel_rests_with_every_region_final(self):
                for instance in session.scalars(select(rt.WorkflowInstance)):
                    config = tuple(instance.configuration)
                    if len(config) > 1:
                        defn = defs[instance.workflow_id]
                        assert not all(defn.state(p).is_final for p in config)

            def teardown(self):
                assert verify_chain(session).ok

        Workflows.TestCase.settings = settings(
            max_examples=30, stateful_step_count=25, deadline=None,
            suppress_health_check=list(HealthCheck))
        run_state_machine_as_test(Workflows, settings=Workflows.TestCase.settings)


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_definition_reaches_a_final_state_somehow(name):
    """Breadth-first over decisions with every role and guard passing: a final state exists."""
    from app.engine.definition import load

    defn = load(WORKFLOWS / f"{name}.yaml")
    seen, frontier = set(), [m.initial_configuration(defn)[0]]
    while frontier:
        config = frontier.pop()
        if config in seen:
            continue
        seen.add(config)
        for transition in m.candidates(defn, config):
            decision = m.apply(defn, config, transition)
            frontier.append(decision.target)
    assert any(m.is_finished(defn, c) for c in seen)
    assert {p for c in seen for p in m.active_paths(defn, c)} == set(defn.states)
