"""`claimset explore`: the static site, checked as HTML and, when Chromium is installed, in a real browser.

The fixture is a two-article release written directly (JSONL + manifest), with overlapping,
nested and discontinuous claims, boilerplate, curly quotes, a no-break space, a carriage return
and a cluster that spans both articles. The repository's own release is checked too.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from claimset.cli.main import app
from claimset.explore import ExploreError, build_site
from claimset.models import ID_FIELDS, TABLES
from claimset.utils import sha256_file, sha256_text

from conftest import make_records, span

A1 = "tiny-2023-10"
A2 = "tiny-two-2023-11"
# A carriage return (kept by the explorer as &#13;), a no-break space, curly quotes, boilerplate.
TEXT2 = (
    "Share this article\r\n"
    "North Korea denied sending shells, the ministry said.\n"
    "\u201cWe sent nothing,\u201d it said, \u201cnot one shell.\u201d\n"
    "Reportedly,\u00a0Pyongyang sent shells in 2023.\n"
)
AUTHOR = {"kind": "author", "entity_id": None, "name": "author", "mention": None}


def _at(text: str, start: int, quote: str) -> dict:
    assert text[start : start + len(quote)] == quote
    return {"start": start, "end": start + len(quote), "text": quote}


def second_article(base_claim: dict) -> tuple[dict, list[dict]]:
    t = TEXT2
    article = {
        "article_id": A2,
        "title": "North Korea denies sending shells",
        "publisher": None,
        "url": None,
        "published": "2023-11",
        "published_basis": {"kind": "inferred", "note": "test fixture"},
        "language": "en",
        "text": t,
        "text_sha256": sha256_text(t),
        "boilerplate": [{**span(t, "Share this article"), "kind": "share_subscribe"}],
        "rights": "full_text",
        "provenance": "tests/test_explorer.py",
    }
    nk = {"kind": "entity", "entity_id": "north-korea", "name": "North Korea", "mention": span(t, "North Korea")}
    it = {"kind": "entity", "entity_id": "north-korea", "name": "it", "mention": _at(t, t.index("it said"), "it")}
    shells = {"type": "arms_transfer", "agent": "north-korea", "recipient": "russia", "item": "artillery shells",
              "item_entity_id": None, "quantity": None, "date": None, "location": None}
    one = {"span": span(t, "one shell"), "value": 1.0, "lower": 1.0, "upper": 1.0, "unit": "artillery shell",
           "per": None, "qualifier": "exact", "approximate": False}

    def claim(n: int, **kw) -> dict:
        c = copy.deepcopy(base_claim)
        c.update(claim_id=f"{A2}-d{n:03d}", article_id=A2, statement_date=None, hedges=[], quantities=[], event=None,
                 evidence={"cited": ["none_stated"], "corroboration": "not_addressed", "corroboration_spans": []})
        c.update(kw)
        return c

    claims = [
        # denied; nested inside d004, and its cue and mention are inside d004 too
        claim(1, content=[span(t, "sending shells")], claim="North Korea did not send shells to Russia.",
              claimant=nk, source_chain=[nk, AUTHOR], cue=span(t, "denied"),
              factuality={"certainty": "certain", "polarity": "negative"}, claim_types=["event"], event=shells),
        # discontinuous quote interrupted by "it said", with a quantity
        claim(2, content=[span(t, "We sent nothing,"), span(t, "not one shell.")], claim="North Korea sent no shells.",
              claimant=it, source_chain=[it, AUTHOR], cue=span(t, "said", 2),
              factuality={"certainty": "certain", "polarity": "negative"}, claim_types=["quote", "quantity"],
              quantities=[one]),
        # hedged; the hedge is also the corroboration words
        claim(3, content=[span(t, "Pyongyang sent shells in 2023")], claim="North Korea sent shells to Russia in 2023.",
              claimant=AUTHOR, source_chain=[AUTHOR], cue=None, hedges=[span(t, "Reportedly")],
              factuality={"certainty": "probable", "polarity": "positive"}, claim_types=["event"],
              event={**shells, "date": "2023"},
              evidence={"cited": ["media_report"], "corroboration": "unconfirmed", "corroboration_spans": [span(t, "Reportedly")]}),
        # the article's own voice, containing d001
        claim(4, content=[span(t, "North Korea denied sending shells")], claim="North Korea denied sending shells to Russia.",
              claimant=AUTHOR, source_chain=[AUTHOR], cue=None,
              factuality={"certainty": "certain", "polarity": "positive"}, claim_types=["event"]),
        # crosses d002's gap: overlaps the end of its first span and the start of its second
        claim(5, content=[span(t, "nothing,\u201d it said, \u201cnot")], claim="Something was said about nothing.",
              claimant=AUTHOR, source_chain=[AUTHOR], cue=None,
              factuality={"certainty": "underspecified", "polarity": "positive"}, claim_types=["position"], conditional=True),
        claim(6, content=[span(t, "sent shells")], claim="Shells were possibly sent.",
              claimant=AUTHOR, source_chain=[AUTHOR], cue=None,
              factuality={"certainty": "possible", "polarity": "positive"}, claim_types=["event"]),
    ]
    return article, claims


def fixture_tables() -> dict[str, list[dict]]:
    recs = make_records()
    a2, claims2 = second_article(recs["claims"][0])
    cluster = {"cluster_id": "nk-sent-shells", "proposition": "North Korea sent artillery shells to Russia.",
               "claim_ids": [f"{A1}-c000", f"{A2}-d001", f"{A2}-d003"]}
    return {
        "articles": [recs["article"], a2],
        "claims": recs["claims"] + claims2,
        "entities": recs["entities"],
        "clusters": recs["clusters"] + [cluster],
    }


def write_release(folder: Path, tables: dict[str, list[dict]]) -> Path:
    """A release as `claimset build` lays it out: canonical JSONL sorted by ID, and a manifest."""
    folder.mkdir(parents=True)
    files = {}
    for table, rows in tables.items():
        rows = sorted((TABLES[table].model_validate(r).model_dump(mode="json") for r in rows), key=lambda r: r[ID_FIELDS[table]])
        p = folder / f"{table}.jsonl"
        p.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8", newline="\n")
        files[p.name] = {"sha256": sha256_file(p), "bytes": p.stat().st_size}
    manifest = {
        "name": "claimset", "version": "9.9.9", "schema_version": "1.0.0", "edition": "full",
        "offsets": "unicode-code-points, end-exclusive",
        "tables": {t: {"rows": len(tables[t]), "files": [f"{t}.jsonl"]} for t in TABLES},
        "files": files,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def tables() -> dict[str, list[dict]]:
    t = fixture_tables()
    for c in t["claims"]:  # the fixture itself must be right: every span is exactly its text
        text = next(a["text"] for a in t["articles"] if a["article_id"] == c["article_id"])
        for s in c["content"] + c["hedges"] + ([c["cue"]] if c["cue"] else []):
            assert text[s["start"] : s["end"]] == s["text"]
    return t


@pytest.fixture(scope="module")
def release(tmp_path_factory, tables) -> Path:
    return write_release(tmp_path_factory.mktemp("rel") / "release", tables)


@pytest.fixture(scope="module")
def site(tmp_path_factory, release) -> Path:
    return build_site(release, tmp_path_factory.mktemp("site") / "site").out


# --------------------------------------------------------------------------- reading the HTML without a browser


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Page(HTMLParser):
    """The text of #text, and per claim the text inside its highlights, cue, hedge and mention elements."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.stack: list[dict] = []
        self.text: list[str] = []
        self.in_text = 0
        self.content: dict[str, dict[str, str]] = {}
        self.layer: dict[tuple[str, str], str] = {}
        self.heads: dict[str, dict] = {}
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        a = dict(attrs)
        if a.get("id") == "text":
            self.in_text = len(self.stack) + 1
        if self.in_text and tag == "mark" and "data-head" in a:
            self.heads[a["data-claim"]] = a
        self.stack.append({"tag": tag, **a})

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        el = self.stack.pop()
        assert el["tag"] == tag, (el, tag)
        if self.in_text and len(self.stack) < self.in_text:
            self.in_text = 0

    def handle_data(self, data):
        if not self.in_text:
            return
        self.text.append(data)
        for el in self.stack:
            cls = el.get("class", "").split()
            if el["tag"] == "mark" and "claim" in cls:
                d = self.content.setdefault(el["data-claim"], {})
                d[el["data-span"]] = d.get(el["data-span"], "") + data
            for layer in ("cue", "hedge", "mention"):
                if layer in cls:
                    for cid in el["data-of"].split():
                        self.layer[(layer, cid)] = self.layer.get((layer, cid), "") + data


def check_article_html(html: str, article: dict, claims: list[dict]) -> Page:
    page = Page(html)
    assert "".join(page.text) == article["text"]
    for c in claims:
        cid = c["claim_id"]
        assert page.content.get(cid) == {str(i): s["text"] for i, s in enumerate(c["content"])}, cid
        assert cid in page.heads and page.heads[cid].get("tabindex") == "0", cid
        if c["cue"]:
            assert page.layer[("cue", cid)] == c["cue"]["text"], cid
        if c["hedges"]:
            assert page.layer[("hedge", cid)] == "".join(h["text"] for h in sorted(c["hedges"], key=lambda h: h["start"])), cid
        if c["claimant"]["mention"]:
            assert page.layer[("mention", cid)] == c["claimant"]["mention"]["text"], cid
    return page


# --------------------------------------------------------------------------- without a browser


def test_site_builds_every_page(site, tables):
    names = {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}
    assert {"index.html", "static/explorer.css", "static/explorer.js"} <= names
    for table, folder in (("articles", "articles"), ("entities", "entities"), ("clusters", "clusters")):
        for r in tables[table]:
            assert f"{folder}/{r[ID_FIELDS[table]]}.html" in names
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "9.9.9" in index and 'data-count="claims">9<' in index
    for fig in ("fig-per-article", "fig-per-claimant", "fig-certainty", "fig-types", "fig-timeline"):
        assert f'id="{fig}"' in index
    assert index.count("<svg") == 5 and index.count('class="fallback"') == 5


def test_site_is_local_only(site):
    """No CDN, no remote script, style, image or font: everything opens from file://."""
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "<script src=\"http" not in html and "<link rel=\"stylesheet\" href=\"http" not in html
        assert "//cdn" not in html and "@import" not in html and "<img" not in html
    css = (site / "static" / "explorer.css").read_text(encoding="utf-8")
    assert "url(" not in css and "@import" not in css
    js = (site / "static" / "explorer.js").read_text(encoding="utf-8")
    assert "fetch(" not in js and "XMLHttpRequest" not in js and "http" not in js


def test_article_text_is_exactly_the_stored_text_and_every_claim_is_highlighted(site, tables):
    for a in tables["articles"]:
        claims = [c for c in tables["claims"] if c["article_id"] == a["article_id"]]
        html = (site / "articles" / f"{a['article_id']}.html").read_text(encoding="utf-8")
        check_article_html(html, a, claims)
    html2 = (site / "articles" / f"{A2}.html").read_text(encoding="utf-8")
    assert "&#13;" in html2  # a stored CR survives HTML parsing
    assert 'class="boilerplate" data-kind="share_subscribe"' in html2


def test_no_js_html_holds_every_claim_field(site, tables):
    html = (site / "articles" / f"{A2}.html").read_text(encoding="utf-8")
    d3 = next(c for c in tables["claims"] if c["claim_id"] == f"{A2}-d003")
    card = html[html.index(f'id="claim-{d3["claim_id"]}"') :]
    card = card[: card.index("</article>")]
    for needle in (
        d3["claim"], 'data-field="claimant"', 'data-field="source_chain"', 'data-field="certainty">probable<',
        "+ positive", 'data-field="conditional">no<', "Reportedly", "media report", "unconfirmed",
        "arms transfer", "artillery shells", ">2023<", 'href="../clusters/nk-sent-shells.html"',
        f'href="../articles/{A1}.html#claim-{A1}-c000"', 'href="../entities/north-korea.html"',
    ):
        assert needle in card, needle
    d2 = html[html.index(f'id="claim-{A2}-d002"') :]
    d2 = d2[: d2.index("</article>")]
    assert "one shell" in d2 and "artillery shell" in d2 and "exact" in d2 and "−" in d2  # quantity, polarity sign
    assert d2.count("<q>") >= 3  # two content spans and the cue
    # the legend codes polarity and certainty in words too
    assert "certain" in html and "underspecified" in html and "+ positive" in html and "\u2212 negative" in html


def test_entity_and_cluster_pages(site):
    nk = (site / "entities" / "north-korea.html").read_text(encoding="utf-8")
    made, rest = nk.split("is an event participant", 1)
    assert f"#claim-{A2}-d001" in made and f"#claim-{A2}-d002" in made
    assert f"#claim-{A1}-c001" in rest and "event agent" in rest
    cl = (site / "clusters" / "nk-sent-shells.html").read_text(encoding="utf-8")
    cols = {s: cl[cl.index(f'class="stance stance-{s}"') :].split("</section>", 1)[0] for s in ("asserted", "hedged", "denied")}
    assert f"#claim-{A1}-c000" in cols["asserted"]
    assert f"#claim-{A2}-d003" in cols["hedged"]
    assert f"#claim-{A2}-d001" in cols["denied"]


def test_output_is_deterministic_and_replaces_only_a_site(release, tmp_path):
    a = build_site(release, tmp_path / "a").out
    b = build_site(release, tmp_path / "b").out
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert all((a / f).read_bytes() == (b / f).read_bytes() for f in files)
    build_site(release, a)  # a previous site is replaced ...
    assert not list(tmp_path.glob(".a.*"))  # ... leaving no temporary folder behind
    other = tmp_path / "other"
    other.mkdir()
    (other / "keep.txt").write_text("mine")
    with pytest.raises(ExploreError, match="not a claimset explorer site"):
        build_site(release, other)
    assert (other / "keep.txt").read_text() == "mine"


def test_review_against_an_earlier_release(tables, release, tmp_path):
    old = copy.deepcopy(tables)
    old["claims"] = [c for c in old["claims"] if c["claim_id"] != f"{A2}-d006"]  # d006 is new
    for c in old["claims"]:
        if c["claim_id"] == f"{A2}-d003":
            c["factuality"]["certainty"] = "possible"  # d003 changed
    gone = copy.deepcopy(old["claims"][0])
    gone["claim_id"] = f"{A1}-c099"
    old["claims"].append(gone)  # c099 was removed
    before = write_release(tmp_path / "before", old)
    result = build_site(release, tmp_path / "site", changed_since=str(before))
    r = result.review
    assert r.added == [f"{A2}-d006"] and list(r.changed) == [f"{A2}-d003"] and r.changed[f"{A2}-d003"] == ["factuality"]
    assert [c["claim_id"] for c in r.removed] == [f"{A1}-c099"]
    index = (result.out / "index.html").read_text(encoding="utf-8")
    assert 'id="review"' in index and f"#claim-{A2}-d006" in index and f"{A1}-c099" in index
    page = (result.out / "articles" / f"{A2}.html").read_text(encoding="utf-8")
    assert 'rv-added" data-claim="' in page and 'data-claim="' + f'{A2}-d006' in page
    assert "CHANGED: factuality" in page and "NEW" in page
    check_article_html(page, tables["articles"][1], [c for c in tables["claims"] if c["article_id"] == A2])


def test_review_against_a_git_revision(tables, tmp_path):
    repo = tmp_path / "repo"
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false"]
    old = copy.deepcopy(tables)
    old["claims"] = [c for c in old["claims"] if c["claim_id"] != f"{A1}-c002"]
    write_release(repo / "release", old)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "old release"], check=True)
    shutil.rmtree(repo / "release")
    write_release(repo / "release", tables)
    result = build_site(repo / "release", tmp_path / "site", changed_since="HEAD")
    assert result.review.added == [f"{A1}-c002"] and not result.review.changed
    assert "git revision HEAD" in result.review.description
    with pytest.raises(ExploreError, match="neither a release folder nor a git revision"):
        build_site(repo / "release", tmp_path / "site", changed_since="no-such-rev")


def test_cli(release, tmp_path):
    runner = CliRunner()
    summary = tmp_path / "summary.md"
    r = runner.invoke(app, ["explore", str(release), "--out", str(tmp_path / "s"), "--changed-since", str(release), "--summary", str(summary)])
    assert r.exit_code == 0, r.output
    assert "wrote" in r.output and "index.html" in r.output and "0 added, 0 changed, 0 removed" in r.output
    assert "### Claim explorer" in summary.read_text(encoding="utf-8")
    r = runner.invoke(app, ["explore", str(tmp_path / "missing"), "--out", str(tmp_path / "t")])
    assert r.exit_code == 2 and "not a release folder" in r.output


def test_repository_release_renders_exactly(tmp_path):
    """The shipped release: every article's text is exact and every claim is highlighted."""
    from claimset.loaders import default_release

    try:
        rel = default_release()
    except FileNotFoundError:
        pytest.skip("no release built")
    result = build_site(rel, tmp_path / "site")
    articles = [json.loads(x) for x in (rel / "articles.jsonl").read_text(encoding="utf-8").splitlines() if x]
    claims = [json.loads(x) for x in (rel / "claims.jsonl").read_text(encoding="utf-8").splitlines() if x]
    for a in articles:
        html = (result.out / "articles" / f"{a['article_id']}.html").read_text(encoding="utf-8")
        check_article_html(html, a, [c for c in claims if c["article_id"] == a["article_id"]])


# --------------------------------------------------------------------------- in a real browser

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium (Debian package chromium); .ci/run installs it")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, timeout=120_000)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(20_000)
    errors: list[str] = []
    requests: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("request", lambda r: requests.append(r.url))
    yield pg
    context.close()
    assert not errors, errors
    assert requests and all(u.startswith("file://") for u in requests), [u for u in requests if not u.startswith("file://")]


def _open(page, site: Path, rel: str):
    page.goto((site / rel).as_uri())


def _panel_claim(page) -> str:
    return page.get_attribute("#panel-body", "data-claim") or ""


def _field(page, name: str) -> str:
    return page.inner_text(f'#panel-body [data-field="{name}"]')


SPANS_JS = """() => {
  const out = {};
  for (const m of document.querySelectorAll('#text mark.claim')) {
    const c = (out[m.dataset.claim] = out[m.dataset.claim] || {});
    c[m.dataset.span] = (c[m.dataset.span] || '') + m.textContent;
  }
  return out;
}"""


def _check_dom(page, article: dict, claims: list[dict]):
    assert page.eval_on_selector("#text", "e => e.textContent") == article["text"]
    got = page.evaluate(SPANS_JS)
    for c in claims:
        assert got.get(c["claim_id"]) == {str(i): s["text"] for i, s in enumerate(c["content"])}, c["claim_id"]
    assert set(got) == {c["claim_id"] for c in claims}


def test_browser_keyboard_and_click_select_a_claim(page, site, tables):
    _open(page, site, f"articles/{A1}.html")
    claims = sorted((c for c in tables["claims"] if c["article_id"] == A1), key=lambda c: c["content"][0]["start"])
    first, second = claims[0], claims[1]
    assert _panel_claim(page) == ""
    page.keyboard.press("j")
    assert _panel_claim(page) == first["claim_id"]
    assert first["claimant"]["name"] in _field(page, "claimant")
    assert _field(page, "certainty") == first["factuality"]["certainty"]
    assert page.evaluate("document.activeElement.dataset.claim") == first["claim_id"]
    page.keyboard.press("j")
    assert _panel_claim(page) == second["claim_id"]
    page.keyboard.press("k")
    assert _panel_claim(page) == first["claim_id"]
    # Tab to the next claim, Enter to select it
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.claim") == second["claim_id"]
    page.keyboard.press("Enter")
    assert _panel_claim(page) == second["claim_id"]
    assert page.locator(f'#text mark.claim.selected[data-claim="{second["claim_id"]}"]').count() >= 1
    page.keyboard.press("Escape")
    assert _panel_claim(page) == ""
    # click the negated claim c002 ("it")
    neg = next(c for c in claims if c["factuality"]["polarity"] == "negative")
    page.click(f'#hl-{neg["claim_id"]}')
    assert _panel_claim(page) == neg["claim_id"]
    assert _field(page, "certainty") == "certain"
    assert "negative" in _field(page, "polarity")
    assert neg["claimant"]["name"] in _field(page, "claimant")


def test_browser_overlapping_claims_cycle_on_click(page, site):
    _open(page, site, f"articles/{A2}.html")
    inner = f'#text mark.claim[data-claim="{A2}-d001"]'
    page.click(inner)
    assert _panel_claim(page) == f"{A2}-d001"  # the innermost claim first
    page.click(inner)
    assert _panel_claim(page) == f"{A2}-d004"  # then the one around it
    page.click(inner)
    assert _panel_claim(page) == f"{A2}-d001"


def test_browser_highlighted_text_equals_every_quote(page, site, tables):
    for a in tables["articles"]:
        _open(page, site, f"articles/{a['article_id']}.html")
        _check_dom(page, a, [c for c in tables["claims"] if c["article_id"] == a["article_id"]])


def test_browser_repository_release(page, tmp_path):
    from claimset.loaders import default_release

    try:
        rel = default_release()
    except FileNotFoundError:
        pytest.skip("no release built")
    out = build_site(rel, tmp_path / "site").out
    articles = [json.loads(x) for x in (rel / "articles.jsonl").read_text(encoding="utf-8").splitlines() if x]
    claims = [json.loads(x) for x in (rel / "claims.jsonl").read_text(encoding="utf-8").splitlines() if x]
    _open(page, out, "index.html")
    assert page.locator("svg.chart").count() == 5
    for a in articles:
        _open(page, out, f"articles/{a['article_id']}.html")
        _check_dom(page, a, [c for c in claims if c["article_id"] == a["article_id"]])


def test_browser_cluster_link_opens_the_other_article(page, site):
    _open(page, site, f"articles/{A1}.html")
    page.click(f"#hl-{A1}-c000")
    assert _panel_claim(page) == f"{A1}-c000"
    link = page.locator(f'#panel-body a.cluster-claim[href$="#claim-{A2}-d001"]')
    assert link.count() == 1
    link.click()
    page.wait_for_url(f"**/articles/{A2}.html#claim-{A2}-d001")
    page.wait_for_function(f"document.getElementById('panel-body').dataset.claim === '{A2}-d001'")
    assert "North Korea" in _field(page, "claimant")
    assert _field(page, "certainty") == "certain"
    # and from there, the cluster page, with the three stances side by side
    page.click('#panel-body a[href="../clusters/nk-sent-shells.html"]')
    page.wait_for_url("**/clusters/nk-sent-shells.html")
    for stance in ("asserted", "hedged", "denied"):
        assert page.locator(f".stance-{stance} .mini").count() == 1


def test_browser_without_javascript(browser, site, tables):
    context = browser.new_context(java_script_enabled=False)
    try:
        pg = context.new_page()
        pg.goto((site / "articles" / f"{A2}.html").as_uri())
        assert pg.locator("#panel").is_hidden()
        assert pg.locator(f"#claim-{A2}-d003").is_visible()
        assert pg.locator("#text mark.claim").count() > 0
        assert pg.locator(f'#claim-{A2}-d003 [data-field="certainty"]').inner_text() == "probable"
    finally:
        context.close()
