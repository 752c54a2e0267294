"""One helper per job (issue 13): accent folding, challenge detection, monitor defaults, and
html_to_text dropping <script>/<style> content."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request, TextResponse

from crawlers.challenge import challenge_marker
from crawlers.config import Monitors, get_marketplace
from crawlers.middlewares import challenge_reason
from crawlers.monitors import DEFAULT_FIELD_COVERAGE, merged_thresholds
from crawlers.parsers import fashionphile as fp
from crawlers.parsers.shopify import html_to_text
from radar.text import alias_words, fold_accents
from sandbox.replicas.fashionphile import slugify as fashionphile_slug
from sandbox.replicas.shopify import slugify as shopify_slug
from sandbox.server import CHALLENGE_PAGES

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"


# ---------------------------------------------------------------- accent folding


def test_fold_accents_keeps_case_and_drops_what_has_no_ascii_form():
    assert fold_accents("Hermès Chloé Loewe Puzzle Façade") == "Hermes Chloe Loewe Puzzle Facade"
    assert fold_accents("Ærø ß 包") == "r  "  # no decomposition to ascii: dropped, as the SQL's norm() does
    assert alias_words("Pont-Neuf Hermès") == "pont neuf hermes"


def test_every_handle_and_key_folds_the_same_way():
    assert shopify_slug("Hermès Kelly 28") == fashionphile_slug("Hermès Kelly 28") == "hermes-kelly-28"
    assert shopify_slug("Chloé Marcie") == "chloe-marcie"


def test_no_other_module_folds_accents_itself():
    """radar/text.py holds the one unicodedata folding; everything else calls fold_accents."""
    folding = re.compile(r"unicodedata\.normalize|import unicodedata")
    offenders = [
        str(path.relative_to(REPO))
        for package in ("radar", "crawlers", "flows", "sandbox", "transformations")
        for path in (REPO / package).rglob("*.py")
        if path != REPO / "radar" / "text.py" and folding.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_config_store_brand_found_in_a_title_with_or_without_accents():
    from crawlers.parsers.stores import StoreProduct

    def title_brand(title: str) -> str | None:
        product = {"id": 1, "title": title, "vendor": "", "handle": "h", "tags": [], "variants": [],
                   "body_html": "", "published_at": "2026-08-15T03:55:12-04:00"}
        return StoreProduct(product, base_url="http://x", currency="USD", title_brands=("Hermès", "Chloé")).title_brand()

    assert title_brand("Hermes Kelly 28 Togo") == "Hermes"  # spelled as the title spells it
    assert title_brand("HERMÈS Kelly 28") == "HERMÈS"
    assert title_brand("Chloe Marcie") == "Chloe"
    assert title_brand("Hermessa Tote") is None  # a brand is a whole word


# ---------------------------------------------------------------- challenge detection


@pytest.mark.parametrize("kind", ["cloudflare", "captcha"])  # the pages the sandbox may serve with HTTP 200
def test_every_sandbox_challenge_page_is_recognised_by_the_middleware_and_the_parser(kind):
    page = CHALLENGE_PAGES[kind]
    assert challenge_marker(page) is not None
    assert challenge_marker(page.encode()) == challenge_marker(page)
    request = Request("http://127.0.0.1:1/collections/handbags", meta={"radar_expect": "html"})
    response = HtmlResponse(request.url, body=page.encode(), request=request, status=200)
    assert challenge_reason(request, response) is not None  # the middleware reads the title only
    assert fp.page_state(page, status=200) == fp.BLOCKED


def test_the_sandbox_403_page_is_blocked_by_its_status_and_its_words():
    page = CHALLENGE_PAGES["403"]
    assert challenge_marker(page) == "access denied"
    assert fp.page_state(page, status=200) == fp.BLOCKED and fp.page_state(page, status=403) == fp.BLOCKED


def test_the_captured_fashionphile_challenge_is_recognised_by_both():
    page = (FIXTURES / "fashionphile" / "challenge.html").read_text()
    assert fp.is_challenge(200, page)
    request = Request("http://127.0.0.1:1/collections/handbags", meta={"radar_expect": "html"})
    assert challenge_reason(request, HtmlResponse(request.url, body=page.encode(), request=request)) is not None


def test_html_where_json_was_expected_names_the_marker_or_says_non_json():
    request = Request("http://127.0.0.1:1/collections/all-bags/products.json")
    cloudflare = TextResponse(request.url, body=CHALLENGE_PAGES["cloudflare"].encode(), request=request,
                              headers={"Content-Type": "text/html"})
    assert challenge_reason(request, cloudflare) == "challenge page where JSON was expected (just a moment)"
    plain = TextResponse(request.url, body=b"<html><body>maintenance</body></html>", request=request,
                         headers={"Content-Type": "text/html"})
    assert challenge_reason(request, plain) == "challenge page where JSON was expected (non-JSON body)"


def test_ordinary_pages_carry_no_marker():
    for name in ("listing-handbags-page-2.rendered.html", "listing-empty.rendered.html", "product-sold.html"):
        assert challenge_marker((FIXTURES / "fashionphile" / name).read_text()) is None, name


def test_challenge_markers_are_defined_once():
    sources = {path: path.read_text() for path in (REPO / "crawlers").rglob("*.py")}
    defining = [str(p.relative_to(REPO)) for p, text in sources.items() if re.search(r"^CHALLENGE_MARKERS\s*=", text, re.M)]
    assert defining == ["crawlers/challenge.py"]


# ---------------------------------------------------------------- monitor defaults


def test_a_crawl_without_config_is_judged_by_the_config_models_defaults():
    thresholds = merged_thresholds(None)
    defaults = Monitors().model_dump()
    assert {k: v for k, v in thresholds.items() if k != "min_field_coverage"} == {
        k: v for k, v in defaults.items() if k != "min_field_coverage"}
    assert thresholds["min_field_coverage"] == DEFAULT_FIELD_COVERAGE


def test_a_configured_marketplace_keeps_its_scalars_and_adds_its_coverage_rules():
    thresholds = merged_thresholds({"max_error_count": 3, "min_field_coverage": {"brand_raw": 0.5, "model_raw": 0.9}})
    assert thresholds["max_error_count"] == 3
    assert thresholds["min_items"] == Monitors().min_items  # not given: the one default
    assert thresholds["min_field_coverage"] == {**DEFAULT_FIELD_COVERAGE, "brand_raw": 0.5, "model_raw": 0.9}
    rebag = merged_thresholds(get_marketplace("rebag").monitors)
    assert rebag["min_field_coverage"]["model_raw"] == 0.95 and rebag["min_field_coverage"]["listing_id"] == 1.0


def test_the_packaged_config_repeats_no_monitor_default():
    """The code is the one source: marketplaces.yaml has no `defaults: monitors:`, and each
    marketplace's monitors are the code's defaults except what its own entry sets."""
    import yaml

    from crawlers.config import DEFAULT_PATH

    raw = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    assert "monitors" not in (raw.get("defaults") or {})
    defaults = Monitors().model_dump()
    for key, entry in raw["marketplaces"].items():
        own = (entry or {}).get("monitors") or {}
        configured = get_marketplace(key).monitors.model_dump()
        assert {k: v for k, v in configured.items() if k not in own} == {k: v for k, v in defaults.items() if k not in own}, key
        assert configured["min_field_coverage"] == own.get("min_field_coverage", {}), key
    # the stores kept the condition rule the yaml's defaults used to give them
    assert merged_thresholds(get_marketplace("dct").monitors)["min_field_coverage"]["condition_raw"] == 0.8


def test_a_configured_marketplace_without_monitors_gets_the_code_defaults(tmp_path):
    from crawlers.config import load_config

    config = tmp_path / "marketplaces.yaml"
    config.write_text(
        "marketplaces:\n"
        "  plain: {kind: shopify, base_url: https://plain.example.com, currency: USD, collections: [bags]}\n"
        "  strict: {kind: shopify, base_url: https://strict.example.com, currency: USD, collections: [bags],\n"
        "           monitors: {max_error_count: 3, min_field_coverage: {model_raw: 0.9}}}\n",
        encoding="utf-8")
    loaded = load_config(config)
    assert loaded["plain"].monitors == Monitors()
    strict = merged_thresholds(loaded["strict"].monitors)
    assert strict["max_error_count"] == 3 and strict["max_dropped_ratio"] == Monitors().max_dropped_ratio
    assert strict["min_field_coverage"] == {**DEFAULT_FIELD_COVERAGE, "model_raw": 0.9}


def test_bad_thresholds_are_refused_with_a_clear_error():
    with pytest.raises(ValueError, match="max_dropped_ratio"):
        merged_thresholds({"max_dropped_ratio": 2})


# ---------------------------------------------------------------- html_to_text


def test_html_to_text_drops_script_and_style_content():
    body = ('<p>Condition: Excellent</p><script type="text/javascript">var c = "<p>Condition: Fake</p>";</script>'
            '<STYLE media="all">p { color: red }</STYLE><li>Color: Black</li>')
    assert html_to_text(body) == "Condition: Excellent\nColor: Black"


def test_html_to_text_drops_an_unclosed_script_to_the_end_and_keeps_entities():
    assert html_to_text("<p>Size: 28&nbsp;cm &amp; more</p><script>window.x = 1") == "Size: 28 cm & more"
    assert html_to_text("<p>Model: Scripted Tote</p>") == "Model: Scripted Tote"


def test_a_body_label_inside_a_script_is_never_read():
    from crawlers.parsers.shopify import body_label

    body = html_to_text("<script>/* Condition: Pristine */</script><p>Condition: Good</p>")
    assert body_label(body, "Condition") == "Good"
