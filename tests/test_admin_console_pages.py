"""The console's working pages: broadcasts, content (add an example), feedback and parked
channel events, each through its forms and its CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import html as html_lib
import io
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from bot.admin.examples import add_example, insert_example
from bot.broadcasts import store
from bot.broadcasts.progress import reason_words
from bot.content import Content
from bot.engine import Engine
from bot.normalize import Normalizer
from bot.settings import PROJECT_ROOT, Settings
from bot.storage import inbox
from bot.storage.models import Event, InboxEvent, MessageLog, User, utcnow
from tests.admin_console import (
    MakeClient,
    add_account,
    cheap_hashes,  # noqa: F401 (a fixture)
    console_app,
    csrf_of,
    post_form,
    sign_in,
    with_content_dir,
)

pytestmark = pytest.mark.usefixtures("cheap_hashes")
ENGLISH = {"Accept-Language": "en"}


def people(connection: Connection, *who: tuple[str, str | None, bool]) -> list[int]:
    """Insert people (external id, province, subscribed); their ids."""
    now = utcnow()
    return [
        connection.execute(
            insert(User)
            .values(
                channel="telegram",
                external_id=name,
                province=province,
                locale="vi",
                role="citizen",
                subscribed=subscribed,
                created_at=now,
                last_seen_at=now,
            )
            .returning(User.id)
        ).scalar_one()
        for name, province, subscribed in who
    ]


async def csv_rows(client: Any, address: str) -> list[dict[str, str]]:
    response = await client.get(address)
    assert response.status == 200, await response.text()
    return list(csv.DictReader(io.StringIO((await response.read()).decode("utf-8-sig"))))


@pytest.fixture
async def admin(aiohttp_client: MakeClient, any_engine: Engine, settings: Settings) -> Any:
    await add_account(any_engine, "alice")
    client = await aiohttp_client(console_app(any_engine, settings), headers=ENGLISH)
    assert (await sign_in(client, "alice")).status == 303
    return client


# --- broadcasts ---------------------------------------------------------------------------


async def test_a_broadcast_is_previewed_created_paused_resumed_and_cancelled(
    admin: Any, any_engine: Engine
) -> None:
    await any_engine.database.run(
        people,
        ("st-1", "soc-trang", True),
        ("st-2", "soc-trang", True),
        ("st-3", "soc-trang", False),
        ("qn-1", "quang-ngai", True),
    )
    form = {
        "text_vi": "Nhắc {{ province }}: hãy cài Bluezone",
        "province": "soc-trang",
        "button_1": "guide:bluezone.install",
    }

    wrong = await post_form(
        admin,
        "/admin/broadcasts/new",
        "/admin/broadcasts/new",
        {**form, "text_vi": "Nhắc {{ provinc }}", "intent": "create"},
    )
    assert wrong.status == 422
    assert "provinc" in await wrong.text()

    preview = await post_form(
        admin, "/admin/broadcasts/new", "/admin/broadcasts/new", {**form, "intent": "preview"}
    )
    html = await preview.text()
    assert preview.status == 200
    assert "Nhắc Sóc Trăng: hãy cài Bluezone" in html
    assert "It will go to 2 people now." in html  # the unsubscribed one and Quảng Ngãi are not
    assert await any_engine.database.run(store.latest) == []  # a preview stores nothing

    created = await admin.post(
        "/admin/broadcasts/new",
        data={"csrf_token": csrf_of(html), **form, "intent": "create"},
        allow_redirects=False,
    )
    assert created.status == 303
    identifier = int(created.headers["Location"].split("/")[-1].split("?")[0])
    row = await any_engine.database.run(store.get, identifier)
    assert row is not None
    assert (row.state, row.texts, row.segment.province, row.created_by) == (
        "scheduled",
        {"vi": form["text_vi"]},
        "soc-trang",
        "admin:alice",
    )
    assert row.buttons[0]["action"] == "g:bluezone.install"

    detail = await admin.get(f"/admin/broadcasts/{identifier}?created=1")
    assert "The broadcast was created" in await detail.text()
    for command, state in (("pause", "paused"), ("resume", "scheduled"), ("cancel", "cancelled")):
        response = await post_form(
            admin, "/admin/broadcasts", f"/admin/broadcasts/{identifier}/{command}", {}
        )
        assert response.status == 303
        assert response.headers["Location"] == f"/admin/broadcasts?done={command}"
        assert (await any_engine.database.run(store.get, identifier)).state == state  # type: ignore[union-attr]
    again = await post_form(
        admin, "/admin/broadcasts", f"/admin/broadcasts/{identifier}/cancel", {}
    )
    assert again.headers["Location"] == "/admin/broadcasts?done=nothing"

    listed = await csv_rows(admin, "/admin/broadcasts/export/broadcasts.csv")
    assert [(r["id"], r["state"], r["audience"], r["created_by"]) for r in listed] == [
        (str(identifier), "cancelled", "Soc Trang", "admin:alice")
    ]


async def test_the_broadcast_report_shows_reasons_per_channel_and_province(
    admin: Any, any_engine: Engine
) -> None:
    from bot.broadcasts.segments import Segment

    ids = await any_engine.database.run(people, ("a", "soc-trang", True), ("b", "quang-ngai", True))
    now = utcnow()

    def send_one_skip_one(connection: Connection) -> int:
        made = store.create(connection, {"vi": "x"}, Segment(), now - dt.timedelta(minutes=1))
        store.start_occurrence(connection, made, now)
        claimed = store.claim(connection, 10, dt.timedelta(minutes=1), now)
        by_user = {c.user_id: c.id for c in claimed}
        store.record(
            connection,
            [
                store.Result(by_user[ids[0]], "sent"),
                store.Result(by_user[ids[1]], "skipped", "outside_zalo_window"),
            ],
            now,
        )
        return made

    made = await any_engine.database.run(send_one_skip_one)
    html = await (await admin.get(f"/admin/broadcasts/{made}")).text()
    assert "1 sent, 0 waiting, 0 failed, 1 skipped, of 2" in html
    assert "Quang Ngai" in html and "Soc Trang" in html
    words = reason_words()  # what the channels call their reasons, where they do
    assert words.get("outside_zalo_window", "outside_zalo_window") in html_lib.unescape(html)


# --- content ------------------------------------------------------------------------------


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    shutil.copytree(PROJECT_ROOT / "content", folder)
    return folder


async def test_an_unanswered_question_is_added_as_an_example_and_checked(
    aiohttp_client: MakeClient, engine: Engine, settings: Settings, content_copy: Path
) -> None:
    await add_account(engine, "alice")
    client = await aiohttp_client(
        console_app(engine, with_content_dir(settings, content_copy)), headers=ENGLISH
    )
    await sign_in(client, "alice")
    topic_file = content_copy / "topics" / "bluezone.about.yaml"
    before = topic_file.read_text(encoding="utf-8")

    form = await client.get(
        "/admin/content/examples/new", params={"text": "bluezone có đọc tin nhắn của tôi không"}
    )
    assert 'value="bluezone có đọc tin nhắn của tôi không"' in await form.text()
    added = await post_form(
        client,
        "/admin/content/examples/new",
        "/admin/content/examples",
        {
            "text": "bluezone có đọc tin nhắn của tôi không",
            "topic": "bluezone.about",
            "locale": "vi",
        },
    )
    html = await added.text()
    assert added.status == 200, html
    assert "Example added" in html
    assert "The content check passed." in html
    assert "make train" in html  # the editor is told how the bot picks it up
    after = topic_file.read_text(encoding="utf-8")
    assert after.startswith(before.split("examples:")[0])  # everything before is untouched
    assert len(after.splitlines()) == len(before.splitlines()) + 1
    assert '    - "bluezone có đọc tin nhắn của tôi không"\n' in after
    assert (PROJECT_ROOT / "content" / "topics" / "bluezone.about.yaml").read_text(
        encoding="utf-8"
    ) == before

    again = await post_form(
        client,
        "/admin/content/examples/new",
        "/admin/content/examples",
        {
            "text": "Bluezone co doc tin nhan cua toi khong",
            "topic": "bluezone.about",
            "locale": "vi",
        },
    )
    assert again.status == 422
    assert "already has this example" in await again.text()
    assert topic_file.read_text(encoding="utf-8") == after


async def test_a_broken_content_folder_shows_the_check_errors(
    aiohttp_client: MakeClient, engine: Engine, settings: Settings, content_copy: Path
) -> None:
    (content_copy / "topics" / "qr.scan.yaml").unlink()
    await add_account(engine, "alice")
    client = await aiohttp_client(
        console_app(engine, with_content_dir(settings, content_copy)), headers=ENGLISH
    )
    await sign_in(client, "alice")
    html = await (await client.get("/admin/content/check")).text()
    assert "The content check found" in html
    assert "qr.scan" in html


def test_an_example_can_be_added_to_every_shipped_topic(
    content_copy: Path, content: Content
) -> None:
    normalizer = Normalizer(content.abbreviations)
    for topic in content.topics.values():
        for locale in ("vi", "en"):
            add_example(
                content_copy, topic.id, locale, f"câu hỏi mới: {locale} #{topic.id}", normalizer
            )
    from bot.content.loader import read_content

    changed, problems = read_content(content_copy)
    assert problems == []
    for topic in content.topics.values():
        for locale in ("vi", "en"):
            assert changed.topics[topic.id].examples[locale] == (
                *topic.examples.get(locale, ()),
                f"câu hỏi mới: {locale} #{topic.id}",
            )


def test_an_example_goes_after_the_last_one_of_its_language() -> None:
    before = ["id: x", "examples:", "  vi:", "    - một", "    # a comment", "    - hai"]
    after = ["  en:", "    - one", "sources: [a]"]
    text = "\n".join([*before, *after, ""])
    expected = "\n".join([*before, '    - "ba: 3"', *after, ""])
    assert insert_example(text, "vi", "ba: 3") == expected
    assert insert_example("id: x\n", "en", "new") == 'id: x\nexamples:\n  en:\n    - "new"\n'


async def test_topics_and_guides_are_shown_with_their_sources(admin: Any, content: Content) -> None:
    topic = content.topics["bluezone.install_android"]
    html = await (await admin.get("/admin/content/topics/bluezone.install_android")).text()
    assert topic.title.get("en") in html
    for source_id in topic.sources:
        assert html_lib.unescape(html).count(content.sources[source_id].title) >= 1
    guide = await (await admin.get("/admin/content/guides/bluezone.install")).text()
    assert "Step id: store" in guide
    topics = await csv_rows(admin, "/admin/content/export/topics.csv")
    assert {r["topic"] for r in topics} == set(content.topics)


# --- feedback ---------------------------------------------------------------------------


async def test_feedback_counts_and_the_questions_that_got_a_thumbs_down(
    admin: Any, any_engine: Engine
) -> None:
    now = utcnow().replace(microsecond=0)
    (person,) = await any_engine.database.run(people, ("f-1", "soc-trang", True))

    def seed(connection: Connection) -> None:
        connection.execute(
            insert(MessageLog).values(
                user_id=person,
                text="bluezone tốn pin quá, số tôi 0912345678",
                topic="bluezone.background",
                created_at=now - dt.timedelta(minutes=2),
            )
        )
        rows = [
            ("down", "bluezone.background", now - dt.timedelta(minutes=1)),
            ("up", "bluezone.background", now),
            ("up", "qr.scan", now),
            ("down", "qr.scan", now),
        ]
        connection.execute(
            insert(Event),
            [
                {
                    "user_id": person,
                    "channel": "telegram",
                    "province": "soc-trang",
                    "kind": "feedback",
                    "topic": t,
                    "detail": d,
                    "created_at": w,
                }
                for d, t, w in rows
            ],
        )

    await any_engine.database.run(seed)
    topics = await csv_rows(admin, "/admin/feedback/export/topics.csv")
    assert sorted((r["topic"], r["up"], r["down"]) for r in topics) == [
        ("bluezone.background", "1", "1"),
        ("qr.scan", "1", "1"),
    ]
    down = await csv_rows(admin, "/admin/feedback/export/thumbs_down.csv")
    assert sorted((r["topic"], r["question"]) for r in down) == [
        ("bluezone.background", "bluezone tốn pin quá, số tôi ###"),
        ("qr.scan", ""),
    ]


# --- parked channel events --------------------------------------------------------------


async def test_parked_events_are_listed_retried_and_discarded(
    admin: Any, any_engine: Engine
) -> None:
    def seed(connection: Connection) -> list[int]:
        ids = []
        for event_id, attempts, payload in (
            ("z-1", 5, {"event_name": "user_send_text", "message": {"text": "secret words"}}),
            ("t-2", 5, {"update_id": 2, "message": {"text": "x"}}),
            ("z-3", 1, {"event_name": "follow"}),
        ):
            ids.append(
                connection.execute(
                    insert(InboxEvent)
                    .values(
                        channel="zalo" if event_id.startswith("z") else "telegram",
                        event_id=event_id,
                        payload=payload,
                        received_at=utcnow(),
                        attempts=attempts,
                    )
                    .returning(InboxEvent.id)
                ).scalar_one()
            )
        return ids

    first, second, pending = await any_engine.database.run(seed)
    listed = await csv_rows(admin, "/admin/parked/export/events.csv")
    assert [(r["id"], r["channel"], r["kind"], r["attempts"]) for r in listed] == [
        (str(first), "zalo", "user_send_text", "5"),
        (str(second), "telegram", "message", "5"),
    ]
    page = await (await admin.get("/admin/parked")).text()
    assert "secret words" not in page

    retried = await post_form(admin, "/admin/parked", f"/admin/parked/{first}/retry", {})
    assert retried.headers["Location"] == "/admin/parked?done=retry"
    assert await any_engine.database.run(inbox.pending, "zalo") == [first, pending]
    discarded = await post_form(admin, "/admin/parked", f"/admin/parked/{second}/discard", {})
    assert discarded.headers["Location"] == "/admin/parked?done=discard"
    assert await any_engine.database.run(inbox.take, second) is None  # done: never handled
    assert await csv_rows(admin, "/admin/parked/export/events.csv") == []
    # Only parked events can be changed.
    nothing = await post_form(admin, "/admin/parked", f"/admin/parked/{pending}/discard", {})
    assert nothing.headers["Location"] == "/admin/parked?done=nothing"

    def done_at(connection: Connection) -> Any:
        return connection.execute(
            select(InboxEvent.done_at).where(InboxEvent.id == pending)
        ).scalar_one()

    assert await any_engine.database.run(done_at) is None


def test_a_broadcast_request_is_checked_in_one_place(content: Content) -> None:
    from bot.broadcasts.compose import BroadcastRequest, check_request
    from bot.broadcasts.segments import Segment

    good = BroadcastRequest(
        {"vi": "Nhắc {{ province }}"},
        Segment(province="soc-trang", not_completed_guide="bluezone.install"),
        every="0 8 * * 1",
        buttons=("guide:bluezone.install", "https://bluezone.gov.vn=Bluezone"),
    )
    problems, buttons = check_request(content, good, 2000, channels=["telegram", "zalo"])
    assert problems == []
    assert [b.get("action") or b.get("url") for b in buttons] == [
        "g:bluezone.install",
        "https://bluezone.gov.vn",
    ]
    bad = BroadcastRequest(
        {"vi": "x" * 30},
        Segment(channel="fax", province="atlantis", locale="fr", not_completed_guide="nope"),
        every="every monday",
        buttons=("guide:nope", "topic:qr.scan", "topic:qr.about", "topic:qr.display"),
    )
    problems, _buttons = check_request(content, bad, 20, channels=["telegram", "zalo"])
    joined = "\n".join(problems)
    for expected in ("over the limit of 20", "'fax'", "'atlantis'", "'fr'", "'nope'", "cron"):
        assert expected in joined, expected
    assert "at most 3 buttons" in joined
