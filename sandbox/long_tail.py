"""The market's long tail: models the normaliser's seeds do not know, and how each site words them.

Real resale pages are an open world. On the captured pages about 71% of the bags carry a model
that `transformations/seeds/model_aliases.csv` names; the rest are less common lines (Louis
Vuitton Odéon, Sully, Petit Palais; Celine Sangle, Folco; Prada Aimee; ...), vintage models,
and small goods named after a famous bag ("Neverfull Pochette"). This module is that rest, so
the sandbox is at least as open as the real sites (docs/sandbox-market.md, "The long tail").

**The pipeline never reads this file** (tests/test_sandbox_open_world.py greps for it). It is
not derived from the seeds either: it lists models as the market has them, real ones and a few
plausible invented ones. Some come in canvases and leathers whose names *are* seeded words
(Triomphe canvas, Monogram, GG Supreme, Intrecciato, Cannage), and some carry a seeded model's
name inside their own (Kelly Elan, Mamma Baguette, Lady Dior Pouch): on real pages that is
what fools a title matcher. Analysts may add aliases for some of these over time; that changes
what the pipeline finds, not what the market sells.

`LONG_TAIL_SHARE` of new bag listings on every marketplace are drawn from `LONG_TAIL_BAG_MODELS`
(`Market(long_tail_share=...)` changes it); the long-tail non-bags join the non-bag pool.
`site_wording(listing, site)` says how a site writes a long-tail model in its title: accents
kept or dropped, another name the trade uses ("Odeon NM", "HAC"), per listing.
"""

from __future__ import annotations

from radar.text import fold_accents
from sandbox.catalogue import (
    BALENCIAGA_STYLES,
    BURBERRY_STYLES,
    BV_INTRECCIATO,
    CELINE_LEATHER,
    CELINE_TRIOMPHE,
    CHANEL_HW,
    CHANEL_QUILTED,
    CHLOE_STYLES,
    DIOR_CANVAS,
    DIOR_LEATHER,
    FENDI_STYLES,
    GOLD_HW,
    GOYARD_CANVAS,
    GUCCI_CANVAS,
    GUCCI_LEATHER,
    HERMES_HW,
    HERMES_KELLY_LEATHERS,
    HERMES_LEATHERS,
    LOEWE_STYLES,
    LV_CANVAS,
    LV_CANVAS_EPI,
    LV_EMPREINTE,
    LV_REVERSE,
    PLAIN_LEATHER,
    PRADA_NYLON,
    PRADA_SAFFIANO,
    YSL_LEATHER,
    Model,
    Style,
    _bag,
    _item,
)
from sandbox.replicas.shopify import chance, pick

# Share of new bag listings that are long-tail models, on every marketplace. The captured
# pages had 29% of bags outside the seeded aliases; the brief asks for a quarter to a third.
LONG_TAIL_SHARE = 0.30

MONOGRAM = (Style("Monogram Canvas", "Canvas Coated", "Brown"),)
LV_VERNIS = (Style("Monogram Vernis", "Patent Leather"),)
CHANEL_VINTAGE = (Style("Quilted Lambskin", "Lambskin Leather"), Style("Quilted Caviar", "Caviar Leather"), Style("Vintage Quilted Lambskin", "Lambskin Leather"))
DIOR_OBLIQUE = (Style("Oblique Canvas", "Canvas", "Blue"), Style("Cannage Lambskin", "Lambskin Leather"))
GUCCI_SUPREME = (Style("GG Supreme Canvas", "Canvas Coated", "Beige"), Style("GG Canvas", "Canvas", "Brown"))
CELINE_TRIOMPHE_CANVAS = (Style("Triomphe Canvas", "Canvas Coated", "Brown"), Style("Smooth Calfskin", "Calfskin Leather"))
SUEDE = (Style("Suede", "Suede"), Style("Calfskin", "Calfskin Leather"))
NYLON = (Style("Tessuto", "Nylon"), Style("Nylon", "Nylon"))

# fmt: off
LONG_TAIL_BAG_MODELS: tuple[Model, ...] = (
    # Hermès: rarer lines still sell fast; Kelly Elan carries a seeded name inside its own
    _bag("Hermès", "Verrou", "Shoulder bags", [("17", 7900), ("21", 8700)], HERMES_KELLY_LEATHERS, 1.10, 10, 0.5, HERMES_HW),
    _bag("Hermès", "Geta", "Shoulder bags", [(None, 6800)], HERMES_KELLY_LEATHERS, 1.05, 12, 0.4, HERMES_HW),
    _bag("Hermès", "24/24", "Top handle", [("21", 9400), ("29", 10800), ("35", 11900)], HERMES_LEATHERS, 1.00, 14, 0.5, HERMES_HW),
    _bag("Hermès", "Haut à Courroies", "Top handle", [("32", 14900), ("40", 16400)], HERMES_LEATHERS, 1.20, 9, 0.3, HERMES_HW),
    _bag("Hermès", "Kelly Elan", "Clutches", [(None, 6500)], HERMES_KELLY_LEATHERS, 1.10, 10, 0.4, HERMES_HW),
    _bag("Hermès", "Toolbox", "Top handle", [("20", 7300), ("26", 8300)], HERMES_LEATHERS, 0.90, 20, 0.3, ("Palladium",)),
    _bag("Hermès", "Della Cavalleria", "Shoulder bags", [("Mini", 8100), ("Medium", 9900)], HERMES_LEATHERS, 0.95, 16, 0.3, ("Palladium", "Gold")),
    _bag("Hermès", "Arçon", "Top handle", [(None, 5600)], HERMES_LEATHERS, 0.85, 25, 0.2, ("Palladium",)),
    # Chanel: vintage and seasonal lines, slower than the classics
    _bag("Chanel", "Cambon", "Totes", [("Medium", 3900), ("Large", 4400)], (Style("Quilted Lambskin", "Lambskin Leather"),), 0.45, 45, 0.6, ("Silver",)),
    _bag("Chanel", "Executive Tote", "Totes", [(None, 6900)], (Style("Caviar", "Caviar Leather"),), 0.55, 40, 0.4, ("Gold",)),
    _bag("Chanel", "Hula Hoop", "Top handle", [("Mini", 5800), ("Small", 6400)], CHANEL_QUILTED, 0.60, 30, 0.3, CHANEL_HW),
    _bag("Chanel", "Pick Me Up", "Shoulder bags", [(None, 6100)], CHANEL_QUILTED, 0.65, 28, 0.3, CHANEL_HW),
    _bag("Chanel", "Mademoiselle", "Shoulder bags", [("Small", 5400), ("Medium", 6200)], CHANEL_VINTAGE, 0.55, 35, 0.6, CHANEL_HW),
    _bag("Chanel", "Surpique", "Totes", [(None, 4300)], (Style("Calfskin", "Calfskin Leather"),), 0.40, 55, 0.3, ("Silver",)),
    _bag("Chanel", "Bowling Bag", "Top handle", [("Small", 5200), ("Large", 5900)], CHANEL_VINTAGE, 0.50, 40, 0.4, CHANEL_HW),
    _bag("Chanel", "Gardenia Flap", "Shoulder bags", [("Small", 6300), ("Medium", 6900)], CHANEL_QUILTED, 0.60, 30, 0.3, CHANEL_HW),  # invented
    # Louis Vuitton: the deepest long tail; monogram and Damier canvases are seeded words
    _bag("Louis Vuitton", "Odéon", "Cross body bags", [("PM", 2450), ("MM", 2750)], LV_CANVAS[:2], 0.65, 24, 1.2, GOLD_HW),
    _bag("Louis Vuitton", "Looping", "Shoulder bags", [("PM", 1500), ("MM", 1650), ("GM", 1800)], MONOGRAM, 0.55, 35, 1.0, GOLD_HW),
    _bag("Louis Vuitton", "Sully", "Shoulder bags", [("PM", 1700), ("MM", 1900)], MONOGRAM + LV_EMPREINTE[:1], 0.50, 40, 0.8, GOLD_HW),
    _bag("Louis Vuitton", "Lodge", "Shoulder bags", [("PM", 1600), ("GM", 1850)], (Style("Monogram Multicolor", "Canvas Coated", "White"),) + MONOGRAM, 0.45, 50, 0.5, GOLD_HW),
    _bag("Louis Vuitton", "Petit Palais", "Top handle", [("PM", 3300)], MONOGRAM + LV_REVERSE[:1], 0.75, 20, 0.9, GOLD_HW),
    _bag("Louis Vuitton", "Claudia", "Top handle", [(None, 1450)], (Style("Monogram Multicolor", "Canvas Coated", "White"),), 0.40, 55, 0.4, GOLD_HW),
    _bag("Louis Vuitton", "Bréa", "Top handle", [("PM", 1950), ("MM", 2150)], LV_VERNIS, 0.45, 45, 0.5, GOLD_HW),
    _bag("Louis Vuitton", "Tivoli", "Top handle", [("PM", 1650), ("GM", 1800)], MONOGRAM, 0.50, 38, 0.7, GOLD_HW),
    _bag("Louis Vuitton", "Popincourt", "Top handle", [("Haut", 1650), ("PM", 1450)], MONOGRAM, 0.45, 45, 0.6, GOLD_HW),
    _bag("Louis Vuitton", "Tambourin", "Cross body bags", [(None, 1750)], MONOGRAM, 0.50, 40, 0.4, GOLD_HW),
    _bag("Louis Vuitton", "Grand Palais", "Totes", [(None, 3450)], LV_EMPREINTE + LV_REVERSE[:1], 0.60, 30, 0.5, GOLD_HW),
    _bag("Louis Vuitton", "Saint Jacques", "Totes", [("PM", 1700), ("GM", 1900)], LV_CANVAS_EPI[2:], 0.45, 45, 0.4, GOLD_HW),
    _bag("Louis Vuitton", "Pont-Neuf", "Top handle", [("PM", 1900), ("GM", 2200)], LV_CANVAS_EPI[2:], 0.45, 50, 0.3, GOLD_HW),
    _bag("Louis Vuitton", "Trevi", "Top handle", [("PM", 2200), ("GM", 2450)], LV_CANVAS[:2], 0.55, 35, 0.5, GOLD_HW),
    _bag("Louis Vuitton", "Delightful", "Hobos", [("PM", 1500), ("MM", 1650), ("GM", 1800)], MONOGRAM, 0.50, 38, 0.7, GOLD_HW),
    _bag("Louis Vuitton", "Turenne", "Top handle", [("PM", 1750), ("MM", 1950)], MONOGRAM, 0.50, 36, 0.6, GOLD_HW),
    _bag("Louis Vuitton", "Neverfull Pochette", "Clutches", [(None, 690)], LV_CANVAS + LV_EMPREINTE[:1], 0.85, 14, 0.8, GOLD_HW),
    _bag("Louis Vuitton", "Marceau", "Cross body bags", [(None, 2900)], LV_EMPREINTE[:1] + MONOGRAM, 0.55, 35, 0.3, GOLD_HW),  # invented
    # Christian Dior
    _bag("Christian Dior", "Diorissimo", "Totes", [("Small", 2900), ("Medium", 3400)], (Style("Calfskin", "Calfskin Leather"),), 0.40, 50, 0.4, ("Silver",)),
    _bag("Christian Dior", "Dioraddict", "Shoulder bags", [(None, 3700)], DIOR_LEATHER[:1], 0.45, 45, 0.4, ("Gold",)),
    _bag("Christian Dior", "Dior Key", "Shoulder bags", [("Small", 3800), ("Medium", 4500)], (Style("Smooth Calfskin", "Calfskin Leather"),), 0.55, 35, 0.3, ("Gold",)),
    _bag("Christian Dior", "Lady Dior Pouch", "Clutches", [(None, 1900)], DIOR_LEATHER, 0.60, 30, 0.4, ("Gold", "Silver")),
    _bag("Christian Dior", "Orée", "Top handle", [("Small", 4100)], DIOR_OBLIQUE, 0.50, 40, 0.3, ("Gold",)),  # invented
    # Gucci: GG Supreme on a model the seeds do not know
    _bag("Gucci", "Hysteria", "Hobos", [("Medium", 1900)], GUCCI_SUPREME, 0.35, 60, 0.6, ("Gold",)),
    _bag("Gucci", "Princy", "Top handle", [(None, 1500)], GUCCI_SUPREME, 0.30, 65, 0.4, ("Gold",)),
    _bag("Gucci", "Sherry Boston", "Top handle", [("Medium", 1700)], GUCCI_SUPREME, 0.35, 60, 0.5, ("Gold",)),
    _bag("Gucci", "Half Moon Hobo", "Hobos", [("Medium", 1950)], GUCCI_LEATHER[1:] + GUCCI_CANVAS[:1], 0.40, 50, 0.4, ("Gold",)),
    _bag("Gucci", "Deco", "Shoulder bags", [("Small", 2200), ("Medium", 2650)], GUCCI_LEATHER, 0.35, 60, 0.3, ("Gold",)),
    _bag("Gucci", "Fiorina", "Shoulder bags", [(None, 2300)], GUCCI_SUPREME, 0.35, 60, 0.3, ("Gold",)),  # invented
    # Celine: Triomphe canvas on models that are not the Triomphe
    _bag("Celine", "Sangle", "Shoulder bags", [("Small", 2350), ("Medium", 2650)], CELINE_LEATHER + CELINE_TRIOMPHE_CANVAS[:1], 0.50, 40, 0.6, GOLD_HW),
    _bag("Celine", "Folco", "Totes", [(None, 2100)], CELINE_TRIOMPHE_CANVAS, 0.55, 35, 0.4, GOLD_HW),
    _bag("Celine", "Tambour", "Cross body bags", [(None, 2300)], CELINE_TRIOMPHE_CANVAS, 0.50, 38, 0.3, GOLD_HW),
    _bag("Celine", "Victoire", "Shoulder bags", [("Teen", 3450)], CELINE_TRIOMPHE[:1], 0.55, 35, 0.3, GOLD_HW),
    _bag("Celine", "Big Bag", "Totes", [("Small", 2900), ("Medium", 3300)], CELINE_LEATHER, 0.45, 45, 0.4, GOLD_HW),
    _bag("Celine", "Romy", "Shoulder bags", [("Medium", 3100)], CELINE_LEATHER, 0.50, 40, 0.2, GOLD_HW),
    # Prada
    _bag("Prada", "Aimee", "Shoulder bags", [("Small", 2950), ("Medium", 3450)], (Style("Scamosciato Suede", "Suede"), Style("Leather", "Calfskin Leather")), 0.45, 45, 0.4, ("Silver",)),
    _bag("Prada", "Panier", "Top handle", [("Small", 2200)], PRADA_SAFFIANO, 0.45, 45, 0.4, GOLD_HW),
    _bag("Prada", "Arqué", "Shoulder bags", [(None, 2150)], PRADA_NYLON[:1] + PRADA_SAFFIANO[1:], 0.50, 40, 0.3, ("Silver",)),
    _bag("Prada", "Sidonie", "Shoulder bags", [(None, 2500)], PRADA_SAFFIANO[1:], 0.45, 45, 0.2, ("Silver",)),
    _bag("Prada", "Vela", "Backpacks", [(None, 1450)], NYLON, 0.30, 65, 0.3, ("Silver",)),
    _bag("Prada", "Ardesia", "Totes", [("Medium", 2700)], PRADA_SAFFIANO, 0.40, 55, 0.2, GOLD_HW),  # invented
    # Saint Laurent: Manhattan is a Louis Vuitton model too
    _bag("Saint Laurent", "Le 37", "Shoulder bags", [("Small", 2300)], PLAIN_LEATHER, 0.45, 45, 0.3, ("Gold",)),
    _bag("Saint Laurent", "Muse", "Top handle", [("Small", 1900), ("Medium", 2300)], PLAIN_LEATHER, 0.35, 60, 0.3, ("Silver",)),
    _bag("Saint Laurent", "Rive Gauche Tote", "Totes", [("Small", 1650), ("Large", 1950)], (Style("Linen", "Canvas"), Style("Leather", "Calfskin Leather")), 0.45, 45, 0.4, ()),
    _bag("Saint Laurent", "Jamie", "Shoulder bags", [("Medium", 3100)], YSL_LEATHER[:1], 0.40, 50, 0.3, ("Gold",)),
    _bag("Saint Laurent", "Manhattan", "Shoulder bags", [("Small", 2650)], PLAIN_LEATHER, 0.40, 50, 0.2, ("Gold",)),
    # Goyard
    _bag("Goyard", "Senat", "Clutches", [("MM", 1300), ("GM", 1500)], GOYARD_CANVAS, 0.85, 18, 0.5, ()),
    _bag("Goyard", "Vendome", "Top handle", [("Mini", 4200), ("PM", 4900)], GOYARD_CANVAS, 0.80, 22, 0.3, ("Silver",)),
    _bag("Goyard", "Cap Vert", "Cross body bags", [("PM", 2300)], GOYARD_CANVAS, 0.80, 22, 0.3, ()),
    _bag("Goyard", "Hardy", "Totes", [("PM", 2600)], GOYARD_CANVAS, 0.75, 25, 0.2, ()),
    # Bottega Veneta: Intrecciato everywhere
    _bag("Bottega Veneta", "Knot", "Clutches", [(None, 2900)], BV_INTRECCIATO, 0.45, 45, 0.4, ("Gold",)),
    _bag("Bottega Veneta", "Loop", "Cross body bags", [("Mini", 2100), ("Small", 2600)], BV_INTRECCIATO, 0.45, 45, 0.4, ("Gold",)),
    _bag("Bottega Veneta", "Gemelli", "Shoulder bags", [(None, 3600)], BV_INTRECCIATO, 0.45, 45, 0.3, ("Gold",)),
    _bag("Bottega Veneta", "Cabat", "Totes", [("Small", 5600), ("Medium", 6900)], BV_INTRECCIATO[:1], 0.50, 40, 0.4, ()),
    _bag("Bottega Veneta", "Campana", "Hobos", [(None, 2400)], BV_INTRECCIATO[:1], 0.40, 55, 0.3, ()),
    # Fendi: Mamma Baguette carries the Baguette's name
    _bag("Fendi", "Spy", "Top handle", [(None, 2400)], FENDI_STYLES[1:], 0.35, 60, 0.3, ("Gold",)),
    _bag("Fendi", "Kan I", "Shoulder bags", [("Small", 2500)], FENDI_STYLES[1:], 0.40, 55, 0.3, ("Gold",)),
    _bag("Fendi", "Fendigraphy", "Hobos", [("Small", 2450)], FENDI_STYLES[1:2], 0.45, 45, 0.3, ("Gold",)),
    _bag("Fendi", "Mamma Baguette", "Shoulder bags", [(None, 2650)], FENDI_STYLES[:2], 0.45, 45, 0.5, ("Gold",)),
    # Loewe, Balenciaga, Chloé, Burberry, Valentino, Miu Miu
    _bag("Loewe", "Amazona", "Top handle", [("28", 3300), ("36", 3800)], LOEWE_STYLES[:1], 0.45, 45, 0.4, ("Gold",)),
    _bag("Loewe", "Goya", "Shoulder bags", [("Small", 3100)], LOEWE_STYLES[:1], 0.50, 40, 0.2, ("Gold",)),
    _bag("Loewe", "Squeeze", "Shoulder bags", [("Small", 2900)], LOEWE_STYLES[:1], 0.50, 40, 0.2, ("Gold",)),
    _bag("Balenciaga", "Ville", "Top handle", [("XXS", 1650), ("Small", 2150)], BALENCIAGA_STYLES, 0.35, 65, 0.4, ("Silver",)),
    _bag("Balenciaga", "Papier", "Totes", [("A4", 2100), ("A6", 1550)], BALENCIAGA_STYLES[:1], 0.30, 75, 0.3, ("Silver",)),
    _bag("Balenciaga", "Everyday Tote", "Totes", [("XS", 1150), ("Small", 1350)], BALENCIAGA_STYLES[:1], 0.30, 75, 0.4, ()),
    _bag("Balenciaga", "Crush", "Shoulder bags", [("Small", 2650)], BALENCIAGA_STYLES[:1], 0.35, 65, 0.2, ("Silver",)),
    _bag("Chloé", "Penelope", "Shoulder bags", [("Small", 1890)], CHLOE_STYLES, 0.30, 75, 0.3, GOLD_HW),
    _bag("Chloé", "Edith", "Satchels", [(None, 1950)], CHLOE_STYLES[:1], 0.30, 80, 0.3, GOLD_HW),
    _bag("Chloé", "Kiss", "Shoulder bags", [(None, 1750)], CHLOE_STYLES, 0.30, 75, 0.2, GOLD_HW),
    _bag("Burberry", "Sonny", "Cross body bags", [(None, 1290)], BURBERRY_STYLES, 0.30, 80, 0.2, GOLD_HW),
    _bag("Burberry", "Olympia", "Shoulder bags", [("Small", 1990)], BURBERRY_STYLES[:1], 0.30, 80, 0.2, GOLD_HW),
    _bag("Burberry", "Knight", "Shoulder bags", [("Small", 2390)], BURBERRY_STYLES[:1], 0.30, 85, 0.2, GOLD_HW),
    _bag("Valentino Garavani", "Candystud", "Top handle", [(None, 2250)], PLAIN_LEATHER, 0.30, 80, 0.3, ("Gold",)),
    _bag("Valentino Garavani", "Supervee", "Cross body bags", [(None, 2350)], PLAIN_LEATHER, 0.30, 80, 0.2, ("Gold",)),
    _bag("Valentino Garavani", "Locò", "Shoulder bags", [("Small", 2450)], PLAIN_LEATHER, 0.35, 70, 0.2, ("Gold",)),
    _bag("Miu Miu", "Coffer", "Top handle", [(None, 2200)], (Style("Matelasse Nappa", "Lambskin Leather"),), 0.45, 45, 0.2, ("Gold",)),
    _bag("Miu Miu", "Aventure", "Shoulder bags", [(None, 2600)], SUEDE, 0.50, 40, 0.2, ("Gold",)),
)

# Small goods named after a seeded bag: their own models, not the bag.
LONG_TAIL_NON_BAG_MODELS: tuple[Model, ...] = (
    _item("Louis Vuitton", "Speedy Bandouliere Shoulder Strap", "Straps", [(None, 680)], MONOGRAM, 0.70, 20, 0.8, GOLD_HW),
    _item("Christian Dior", "Saddle Strap", "Straps", [(None, 1050)], DIOR_CANVAS[:1], 0.60, 30, 0.4, ("Gold",)),
    _item("Chanel", "Classic Flap Card Holder", "Small Leather Goods", [(None, 1100)], CHANEL_QUILTED[:1], 0.80, 15, 0.5, CHANEL_HW),
    _item("Gucci", "Dionysus Card Case", "Small Leather Goods", [(None, 450)], GUCCI_SUPREME[:1], 0.45, 40, 0.3, ("Gold",)),
)
# fmt: on

# Other names the trade gives a long-tail model on a listing (besides its own, accents dropped or kept).
OTHER_NAMES: dict[tuple[str, str], tuple[str, ...]] = {
    ("Louis Vuitton", "Odéon"): ("Odeon NM",),
    ("Louis Vuitton", "Sully"): ("Sully Vintage",),
    ("Louis Vuitton", "Neverfull Pochette"): ("Neverfull MM Pochette", "Pochette Neverfull"),
    ("Louis Vuitton", "Speedy Bandouliere Shoulder Strap"): ("Bandouliere Shoulder Strap",),
    ("Louis Vuitton", "Popincourt"): ("Popincourt Long",),
    ("Hermès", "Haut à Courroies"): ("HAC",),
    ("Hermès", "24/24"): ("24 24",),
    ("Hermès", "Kelly Elan"): ("Kelly Elan Pochette",),
    ("Christian Dior", "Lady Dior Pouch"): ("Lady Dior Clutch",),
    ("Christian Dior", "Dioraddict"): ("Diorissimo Addict", "Dior Addict"),
    ("Gucci", "Sherry Boston"): ("Sherry Line Boston", "Vintage Boston"),
    ("Fendi", "Mamma Baguette"): ("Mamma Forever Baguette",),
    ("Chanel", "Mademoiselle"): ("Vintage Mademoiselle",),
    ("Balenciaga", "Papier"): ("Papier A4 Zip Around",),
    ("Saint Laurent", "Rive Gauche Tote"): ("Rive Gauche Shopping Tote",),
}

OTHER_NAME_SHARE = 0.2  # of a model's listings written with one of its other names
ACCENT_DROP_SHARE = 0.5  # of listings on sites that keep accents, written without them

_LONG_TAIL = {(m.brand, m.name) for m in LONG_TAIL_BAG_MODELS + LONG_TAIL_NON_BAG_MODELS}


def is_long_tail(brand: str, model: str) -> bool:
    return (brand, model) in _LONG_TAIL


def site_wording(listing, site: str) -> str | None:
    """How `site` writes this listing's model when it is a long-tail model (None otherwise):
    the same listing gets the same wording every day; different listings of one model vary."""
    if not is_long_tail(listing.brand, listing.model):
        return None
    seed = listing.listing_id
    name = listing.model
    others = OTHER_NAMES.get((listing.brand, listing.model), ())
    if others and chance(seed, f"{site}-other-name", OTHER_NAME_SHARE):
        name = pick(others, seed, f"{site}-which")
    if chance(seed, f"{site}-accents", ACCENT_DROP_SHARE):
        name = fold_accents(name)
    return name


def long_tail_noun(listing, site: str, share: float) -> str:
    """A noun some listings of a site add after a long-tail model ("Bag", "Tote", "Hobo"), else ""."""
    if not listing.is_bag or not chance(listing.listing_id, f"{site}-noun", share):
        return ""
    nouns = {"totes": "Tote", "hobos": "Hobo", "clutches": "Clutch", "backpacks": "Backpack",
             "shoulder bags": "Shoulder Bag", "cross body bags": "Crossbody Bag", "satchels": "Satchel"}
    last = listing.model.split()[-1].lower()
    if last in {"bag", "tote", "hobo", "pochette", "pouch", "clutch", "strap"}:
        return ""
    return nouns.get(listing.category.lower(), "Bag")


__all__ = [
    "LONG_TAIL_BAG_MODELS",
    "LONG_TAIL_NON_BAG_MODELS",
    "LONG_TAIL_SHARE",
    "is_long_tail",
    "long_tail_noun",
    "site_wording",
]
