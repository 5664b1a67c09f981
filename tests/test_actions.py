"""The typed button actions: what a button carries, and what comes back is checked."""

from __future__ import annotations

from types import SimpleNamespace
from typing import cast

import pytest

from bot.actions import ActionTooLong
from bot.content import Content
from bot.context import Context
from bot.messages import Inbound
from bot.router import Router
from handlers.actions import (
    ChooseProvince,
    MainMenu,
    ProvinceRules,
    RateAnswer,
    StartGuide,
    StepButton,
)


def test_actions_pack_to_the_strings_buttons_carry() -> None:
    assert MainMenu().pack() == "menu"
    assert ChooseProvince().pack() == "p"
    assert ChooseProvince("soc-trang").pack() == "p:soc-trang"
    assert StartGuide("bluezone.install").pack() == "g:bluezone.install"
    assert StepButton("qr.scan", "app", "open", "ok").pack() == "s:qr.scan:app:open:ok"


def test_unpacking_checks_the_parts_and_their_values() -> None:
    assert StepButton.unpack(["qr.scan", "app", "open", "fail"]) == StepButton(
        "qr.scan", "app", "open", "fail"
    )
    assert StepButton.unpack(["qr.scan", "app", "open", "explode"]) is None, "not a Literal"
    assert StepButton.unpack(["qr.scan", "app", "open"]) is None, "too few parts"
    assert StartGuide.unpack(["a", "b", "c"]) is None, "too many parts"
    assert StartGuide.unpack(["bluezone.install"]) == StartGuide("bluezone.install")
    assert ChooseProvince.unpack([""]) is None, "an empty part"


def test_an_action_too_long_for_a_button_fails_when_built() -> None:
    with pytest.raises(ActionTooLong):
        StepButton("g" * 60, "android", "store", "ok").pack()


async def test_the_router_sends_a_bad_action_to_the_stale_handler() -> None:
    seen: list[str] = []

    async def stale(_ctx: Context) -> None:
        seen.append("stale")

    async def step(_ctx: Context, action: StepButton) -> None:
        seen.append(action.operation)

    def context_for(action: str) -> Context:
        # The router reads only the pressed action before handing over.
        return cast(Context, SimpleNamespace(inbound=Inbound("test", "1", action=action)))

    router = Router(on_stale=stale)
    router.on(StepButton, step)
    await router.dispatch(context_for(action="s:qr.scan:app:open:back"))
    await router.dispatch(context_for(action="s:qr.scan:app:open"))
    await router.dispatch(context_for(action="s:qr.scan:app:open:nope"))
    await router.dispatch(context_for(action="zz:unknown"))
    assert seen == ["back", "stale", "stale", "stale"]


def test_every_button_the_shipped_content_can_make_fits(content: Content) -> None:
    """A content id long enough to overflow a button would fail in a conversation: not here."""
    for guide in content.guides.values():
        for branch in guide.branches:
            StartGuide(guide.id, branch.id).pack()
            for step in branch.steps:
                StepButton(guide.id, branch.id, step.id, "fail").pack()
    for topic in content.topics.values():
        RateAnswer(topic.id, "down").pack()
        ProvinceRules(topic.id).pack()
    for province in content.provinces.values():
        ChooseProvince(province.id).pack()
