"""Volunteers: invitation codes, asking and approval, referral attribution, impact by week."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from bot.content import Content
from bot.engine import Engine
from bot.matcher import Understander
from bot.settings import SettingsError
from bot.share import DeepLink, link_payload, read_link
from bot.storage.models import Event, User
from bot.storage.volunteer_tables import Referral, Volunteer, VolunteerInvitation
from bot.volunteers import store
from bot.volunteers.impact import Impact, WeekImpact, impact
from bot.volunteers.links import LinkKind, ShareLinks, web_start_payload
from handlers.volunteer_actions import VolunteerApprove, VolunteerAsk, VolunteerAskSkip
from tests.chat import Chat, fetch_all, fetch_one
from tests.volunteering import BOT, WEB, active, invitation, links_engine, volunteer

NOW = dt.datetime(2026, 11, 20, 3, 0, tzinfo=dt.UTC)


@pytest.fixture
async def admin_engine(
    tmp_path: Path, content: Content, understander: Understander
) -> AsyncIterator[Engine]:
    built = await links_engine(tmp_path, content, understander, ADMIN_TELEGRAM_IDS="900")
    yield built
    await built.database.dispose()


async def role(engine: Engine, user: str) -> str:
    return str(await fetch_one(engine.database, select(User.role).where(User.external_id == user)))


async def test_an_invitation_code_makes_a_volunteer(any_engine: Engine) -> None:
    code = await invitation(any_engine, uses=2)
    first = Chat(any_engine, user="v1", channel="telegram")
    await first.say(f"/volunteer {code.lower()[:4]}-{code.lower()[4:]}")  # typed loosely
    assert {b.action for b in first.buttons} >= {"vo:share", "vo:impact"}
    second = Chat(any_engine, user="v2", channel="telegram")
    await second.say(f"/start join_{code}")  # the Telegram link of the invitation
    made = await active(any_engine)
    assert len(made) == 2 and all(v.org == "Tỉnh đoàn Quảng Ngãi" for v in made)
    assert all(v.referral_code and len(v.referral_code) == 6 for v in made)
    assert made[0].referral_code != made[1].referral_code and made[0].token != made[1].token
    assert await role(any_engine, "v1") == "volunteer" == await role(any_engine, "v2")
    used = await fetch_one(any_engine.database, select(VolunteerInvitation.used))
    assert used == 2


async def test_expired_used_up_and_wrong_codes_are_refused(any_engine: Engine) -> None:
    expired = await invitation(any_engine)

    def expire(connection: Connection) -> None:
        yesterday = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
        connection.execute(
            update(VolunteerInvitation)
            .where(VolunteerInvitation.code == expired)
            .values(expires_at=yesterday)
        )

    await any_engine.database.run(expire)
    single = await invitation(any_engine, uses=1)
    await Chat(any_engine, user="first", channel="telegram").say(f"/volunteer {single}")
    tries = {"late": expired, "second": single, "typo": "ZZZZ2222", "junk": "hello!"}
    for user, code in tries.items():
        person = Chat(any_engine, user=user, channel="telegram")
        await person.say(f"/volunteer {code}")
        assert "vo:share" not in {b.action for b in person.buttons}, user
        assert await role(any_engine, user) == "citizen", user
    assert len(await active(any_engine)) == 1
    now = dt.datetime.now(dt.UTC)
    outcomes = [
        (await any_engine.database.run(store.redeem, 10_000 + i, code, now))[0]
        for i, code in enumerate((expired, single, "ZZZZ2222"))
    ]
    assert outcomes == ["expired", "used_up", "unknown"]
    used = await fetch_all(
        any_engine.database, select(VolunteerInvitation).order_by(VolunteerInvitation.id)
    )
    assert [row.used for row in used] == [0, 1], "refused tries use nothing up"


async def test_redeeming_again_keeps_the_code_and_uses_nothing(any_engine: Engine) -> None:
    chat, referral = await volunteer(any_engine, "again")
    await chat.say(f"/volunteer {await invitation(any_engine, org='Hội Liên hiệp Phụ nữ tỉnh')}")
    assert referral in chat.text
    rows = await fetch_all(
        any_engine.database, select(VolunteerInvitation).order_by(VolunteerInvitation.id)
    )
    assert [row.used for row in rows] == [1, 0]
    assert [v.org for v in await active(any_engine)] == ["Tỉnh đoàn Quảng Ngãi"]


async def test_the_last_use_of_a_code_goes_to_one_person(any_engine: Engine) -> None:
    code = await invitation(any_engine, uses=1)
    people = [Chat(any_engine, user=f"racer-{i}", channel="telegram") for i in range(4)]
    await asyncio.gather(*(p.say(f"/volunteer {code}") for p in people))
    assert len(await active(any_engine)) == 1
    assert await fetch_one(any_engine.database, select(VolunteerInvitation.used)) == 1


async def test_asking_then_an_admin_approves(admin_engine: Engine) -> None:
    person = Chat(admin_engine, user="asker", channel="telegram")
    await person.say("/volunteer")
    await person.tap(VolunteerAsk().pack())
    await person.say("Hội Liên hiệp Phụ nữ tỉnh")
    waiting = await admin_engine.database.run(store.volunteers, "pending")
    assert [(v.channel, v.org, v.referral_code) for v in waiting] == [
        ("telegram", "Hội Liên hiệp Phụ nữ tỉnh", None)
    ]
    await person.say("/volunteer")
    assert "vo:share" not in {b.action for b in person.buttons}
    approve = VolunteerApprove(str(waiting[0].user_id)).pack()
    await person.tap(approve)  # not an admin
    assert await admin_engine.database.run(store.volunteers, "active") == []
    admin = Chat(admin_engine, user="900", channel="telegram")
    await admin.say("/volunteers")
    assert approve in {b.action for b in admin.buttons}
    await admin.tap(approve)
    made = await active(admin_engine)
    assert len(made) == 1 and made[0].referral_code is not None
    assert made[0].referral_code in admin.text
    await admin.tap(approve)  # a second tap: nothing is waiting any more
    assert len(await active(admin_engine)) == 1
    await person.say("/volunteer")
    assert made[0].referral_code in person.text and await role(admin_engine, "asker") == "volunteer"


async def test_asking_without_an_organisation(any_engine: Engine) -> None:
    person = Chat(any_engine, user="quiet", channel="zalo")
    await person.tap(VolunteerAsk().pack())
    await person.tap(VolunteerAskSkip().pack())
    await person.tap(VolunteerAsk().pack())
    await person.tap(VolunteerAskSkip().pack())  # asking twice makes one request
    waiting = await any_engine.database.run(store.volunteers, "pending")
    assert [(v.channel, v.org) for v in waiting] == [("zalo", None)]


async def test_admins_make_invitations_in_the_chat(admin_engine: Engine) -> None:
    citizen = Chat(admin_engine, user="12345", channel="telegram")
    await citizen.say("/invite Tỉnh đoàn Quảng Ngãi 20")
    assert await admin_engine.database.run(store.invitations) == []
    admin = Chat(admin_engine, user="900", channel="telegram")
    await admin.say("/invite Tỉnh đoàn Quảng Ngãi 20")
    made = await admin_engine.database.run(store.invitations)
    assert [(i.org, i.max_uses, i.used) for i in made] == [("Tỉnh đoàn Quảng Ngãi", 20, 0)]
    assert made[0].code in admin.text and made[0].expires_at is not None
    await admin.say("/invite")
    assert len(await admin_engine.database.run(store.invitations)) == 1, "no organisation"


async def referrals(engine: Engine) -> dict[int, int]:
    rows = await fetch_all(engine.database, select(Referral))
    return {row.user_id: row.volunteer_id for row in rows}


async def user_id(engine: Engine, user: str) -> int:
    return int(await fetch_one(engine.database, select(User.id).where(User.external_id == user)))


async def test_the_first_referral_wins_and_ones_own_link_does_not_count(
    any_engine: Engine,
) -> None:
    _, first = await volunteer(any_engine, "vol-a")
    _, second = await volunteer(any_engine, "vol-b")
    citizen = Chat(any_engine, user="citizen", channel="telegram")
    await citizen.say(f"/start ref_{first}_guide_bluezone-install")
    assert any(b.action.startswith("g:bluezone.install:") for b in citizen.buttons)
    await citizen.say(f"/start ref_{second}_topic_qr-scan")
    await Chat(any_engine, user="vol-a", channel="telegram").say(
        f"/start ref_{first}_guide_qr-scan"
    )
    other = Chat(any_engine, user="other", channel="telegram")
    await other.say("/start ref_ZZZZZZ_guide_bluezone-install")  # nobody's code
    await other.say(f"/start ref_{second}")  # the plain referral link counts too
    found = await referrals(any_engine)
    volunteers = {v.referral_code: v.user_id for v in await active(any_engine)}
    assert found == {
        await user_id(any_engine, "citizen"): volunteers[first],
        await user_id(any_engine, "other"): volunteers[second],
    }
    items = await fetch_all(
        any_engine.database, select(Referral.item).order_by(Referral.created_at)
    )
    assert items == ["guide:bluezone.install", None]


async def test_forgetting_a_person_forgets_their_referral(any_engine: Engine) -> None:
    _, code = await volunteer(any_engine, "vol")
    await Chat(any_engine, user="leaver", channel="telegram").say(
        f"/start ref_{code}_guide_qr-scan"
    )
    assert len(await referrals(any_engine)) == 1
    assert await any_engine.forget_person("telegram", "leaver")
    assert await referrals(any_engine) == {}


async def seed_impact(engine: Engine, volunteer_id: int, other_volunteer: int) -> None:
    """Referrals and completions at times chosen to fall in two weeks (Vietnam time)."""
    at = dt.datetime

    def seed(connection: Connection) -> None:
        ids = {}
        for name in ("c1", "c2", "c3", "c4", "c5"):
            ids[name] = connection.execute(
                insert(User)
                .values(channel="telegram", external_id=name, province="quang-ngai")
                .returning(User.id)
            ).scalar_one()
        referred = {
            "c1": (volunteer_id, at(2026, 11, 2, 3, tzinfo=dt.UTC)),
            # Sunday 18:00 UTC is Monday 01:00 in Vietnam: the next week.
            "c2": (volunteer_id, at(2026, 11, 8, 18, tzinfo=dt.UTC)),
            "c3": (volunteer_id, at(2026, 11, 4, 3, tzinfo=dt.UTC)),
            "c4": (volunteer_id, at(2026, 11, 5, 3, tzinfo=dt.UTC)),
            "c5": (other_volunteer, at(2026, 11, 5, 3, tzinfo=dt.UTC)),
        }
        for name, (who, when) in referred.items():
            connection.execute(
                insert(Referral).values(user_id=ids[name], volunteer_id=who, created_at=when)
            )
        completions = [
            ("c1", at(2026, 11, 3, 3, tzinfo=dt.UTC)),
            ("c2", at(2026, 11, 10, 3, tzinfo=dt.UTC)),
            ("c3", at(2026, 11, 12, 3, tzinfo=dt.UTC)),
            ("c3", at(2026, 11, 20, 3, tzinfo=dt.UTC)),  # a second guide: counted once
            ("c4", at(2026, 11, 1, 3, tzinfo=dt.UTC)),  # before the referral: not theirs
            ("c5", at(2026, 11, 6, 3, tzinfo=dt.UTC)),  # another volunteer's
        ]
        connection.execute(
            insert(Event),
            [
                {
                    "user_id": ids[name],
                    "channel": "telegram",
                    "kind": "guide_completed",
                    "guide": "bluezone.install",
                    "created_at": when,
                }
                for name, when in completions
            ],
        )

    await engine.database.run(seed)


async def test_impact_by_week_matches_hand_counted_figures(any_engine: Engine) -> None:
    chat, code = await volunteer(any_engine, "counted")
    await volunteer(any_engine, "someone-else")
    mine, theirs = (
        v.user_id for v in sorted(await active(any_engine), key=lambda v: v.referral_code != code)
    )
    await seed_impact(any_engine, mine, theirs)
    found = await any_engine.database.run(impact, mine)
    assert found == Impact(
        weeks=(
            WeekImpact(dt.date(2026, 11, 2), started=3, completed=1),
            WeekImpact(dt.date(2026, 11, 9), started=1, completed=2),
        ),
        started=4,
        completed=3,
    )
    await chat.tap("l:en")
    await chat.say("/myimpact")
    assert "02/11/2026: 3 started, 1 completed" in chat.text
    assert "09/11/2026: 1 started, 2 completed" in chat.text
    assert "4 started, 3 completed" in chat.text
    token = next(v.token for v in await active(any_engine) if v.referral_code == code)
    pages = [link.url for reply in chat.replies for link in reply.links]
    assert pages == [f"http://127.0.0.1:8080/v/{token}"], "their own page, nobody else's"


async def test_myimpact_is_for_volunteers(any_engine: Engine) -> None:
    citizen = Chat(any_engine, user="citizen", channel="telegram")
    await citizen.say("/myimpact")
    assert "vo:share" not in {b.action for b in citizen.buttons}
    assert not await fetch_all(any_engine.database, select(Volunteer))


TELEGRAM_START = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def test_volunteer_links_carry_the_code_both_ways(content: Content) -> None:
    links = ShareLinks(WEB, BOT)
    kinds: tuple[tuple[LinkKind, Iterable[str]], ...] = (
        ("guide", content.guides),
        ("topic", content.topics),
    )
    for kind, ids in kinds:
        for item_id in ids:
            made = link_payload(kind, item_id, "K7M2QX")
            assert TELEGRAM_START.match(made), made
            assert read_link(made) == DeepLink(kind, item_id, "K7M2QX")
            both = links.item(kind, item_id, "K7M2QX")
            assert both.telegram == f"https://t.me/{BOT}?start={made}"
            assert web_start_payload(dict(parse_qsl(urlsplit(both.web).query))) == made
    assert read_link("join_K7M2QX9A") == DeepLink("join", "K7M2QX9A")
    assert read_link("ref_youth-union-7") == DeepLink("ref", "youth-union-7")
    assert read_link("guide_bluezone-install") == DeepLink("guide", "bluezone.install")
    plain = {"guide": "bluezone.install", "ref": "not a code"}
    assert web_start_payload(plain) == "guide_bluezone-install"
    assert web_start_payload({"guide": "../etc/passwd"}) is None
    assert ShareLinks(WEB).item("guide", "qr.scan", "K7M2QX").telegram is None


def test_link_settings_are_checked() -> None:
    assert ShareLinks.from_env({}) == ShareLinks("http://127.0.0.1:8080", None)
    assert ShareLinks.from_env({"HOST": "0.0.0.0", "PORT": "9000"}).web == "http://0.0.0.0:9000"
    chosen = ShareLinks.from_env({"PUBLIC_URL": f"{WEB}/", "TELEGRAM_BOT_USERNAME": f"@{BOT}"})
    assert chosen == ShareLinks(WEB, BOT)
    for env, name in (
        ({"PUBLIC_URL": "ftp://files.example"}, "PUBLIC_URL"),
        ({"PUBLIC_URL": "https://x.example/?a=1"}, "PUBLIC_URL"),
        ({"TELEGRAM_BOT_USERNAME": "no spaces"}, "TELEGRAM_BOT_USERNAME"),
    ):
        with pytest.raises(SettingsError, match=name):
            ShareLinks.from_env(env)


async def test_what_a_volunteer_shares_carries_their_code(any_engine: Engine) -> None:
    """The web page's share button builds its link from `share`: a volunteer's carries their
    referral code, anyone else's none."""
    chat, referral = await volunteer(any_engine, "sharer", channel="web")
    citizen = Chat(any_engine, user="plain-citizen", channel="web")
    for person in (chat, citizen):
        await person.tap("p:soc-trang")
    shared = [r.share for r in await chat.say("cài bluezone") if r.share is not None]
    plain = [r.share for r in await citizen.say("cài bluezone") if r.share is not None]
    assert shared and plain
    assert {share.ref for share in shared} == {referral}
    assert {share.ref for share in plain} == {None}
    guide = [r.share for r in await chat.tap("g:bluezone.install") if r.share is not None]
    assert guide and guide[0].kind == "guide" and guide[0].ref == referral
