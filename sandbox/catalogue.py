"""What the simulated market sells: brands, models, sizes, materials, colours and their economics.

Each `Model` carries plausible US retail prices per size (2026-ish list prices), how much of
retail a fair resale ask is in EXCELLENT condition (`retention`), how fast it sells at a fair
price (`days_to_sell`, the mean) and how often it is consigned (`supply`, relative weight among
new listings). Numbers follow public resale reporting (Rebag Clair, The RealReal resale
reports): Hermès above retail and gone in days, Chanel and Louis Vuitton classics close behind,
logo "it" bags of past seasons well under 60% of retail and slow. See docs/sandbox-market.md.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Style:
    """A model variant as the marketplace words it, with its exterior material."""

    name: str  # e.g. "Quilted Caviar", "Togo", "Monogram Canvas"
    material: str  # e.g. "Caviar Leather", "Canvas Coated"
    color: str | None = None  # fixed colour (printed canvases); None: drawn from the palette


@dataclass(frozen=True, slots=True)
class Model:
    brand: str
    name: str
    category: str  # product type, e.g. "Totes", "Wallets"
    is_bag: bool
    sizes: tuple[tuple[str | None, int], ...]  # (size token or None, retail USD)
    styles: tuple[Style, ...]
    retention: float  # fair resale value / retail, EXCELLENT condition
    days_to_sell: float  # mean days to sell at a fair ask
    supply: float  # relative weight among new listings
    hardware: tuple[str, ...] = ()  # hardware colours offered; () = none printed
    apparel: bool = False  # clothing: only mixed catalogues (vsp) carry it


# --- materials --------------------------------------------------------------------------
HERMES_LEATHERS = (
    Style("Togo", "Togo Leather"),
    Style("Epsom", "Epsom Leather"),
    Style("Clemence", "Clemence Leather"),
    Style("Swift", "Swift Leather"),
)
HERMES_KELLY_LEATHERS = (Style("Epsom", "Epsom Leather"), Style("Togo", "Togo Leather"), Style("Box Calf", "Box Calf Leather"))
CHANEL_QUILTED = (
    Style("Quilted Caviar", "Caviar Leather"),
    Style("Quilted Lambskin", "Lambskin Leather"),
    Style("Quilted Patent", "Patent Leather"),
)
CHANEL_AGED = (Style("Quilted Aged Calfskin", "Calfskin Leather"), Style("Quilted Caviar", "Caviar Leather"))
LV_CANVAS = (
    Style("Monogram Canvas", "Canvas Coated", "Brown"),
    Style("Damier Ebene", "Canvas Coated", "Brown"),
    Style("Damier Azur", "Canvas Coated", "White"),
)
LV_CANVAS_EPI = LV_CANVAS[:2] + (Style("Epi Leather", "Epi Leather"),)
LV_REVERSE = (Style("Monogram Reverse Canvas", "Canvas Coated", "Brown"), Style("Monogram Giant Canvas", "Canvas Coated", "Beige"))
LV_EMPREINTE = (Style("Monogram Empreinte", "Empreinte Leather"), Style("Monogram Canvas", "Canvas Coated", "Brown"))
LV_KEEPALL = (Style("Monogram Canvas Bandouliere", "Canvas Coated", "Brown"), Style("Damier Graphite", "Canvas Coated", "Grey"))
DIOR_CANVAS = (Style("Oblique Canvas", "Canvas", "Blue"), Style("Embroidered Canvas", "Canvas"))
DIOR_LEATHER = (Style("Cannage Lambskin", "Lambskin Leather"), Style("Cannage Patent", "Patent Leather"))
DIOR_SADDLE = (Style("Oblique Canvas", "Canvas", "Blue"), Style("Grained Calfskin", "Calfskin Leather"))
GUCCI_LEATHER = (Style("Matelasse Leather", "Calfskin Leather"), Style("Smooth Leather", "Calfskin Leather"))
GUCCI_CANVAS = (Style("GG Supreme Canvas", "Canvas Coated", "Beige"), Style("GG Canvas", "Canvas", "Brown"), Style("Leather", "Calfskin Leather"))
CELINE_LEATHER = (Style("Drummed Calfskin", "Calfskin Leather"), Style("Smooth Calfskin", "Calfskin Leather"))
CELINE_TRIOMPHE = (Style("Shiny Calfskin", "Calfskin Leather"), Style("Triomphe Canvas", "Canvas Coated", "Brown"))
PRADA_NYLON = (Style("Re-Nylon", "Nylon"), Style("Tessuto", "Nylon"))
PRADA_SAFFIANO = (Style("Saffiano Lux Leather", "Saffiano Leather"), Style("Brushed Leather", "Calfskin Leather"))
YSL_LEATHER = (Style("Matelasse Chevron Leather", "Calfskin Leather"), Style("Grain de Poudre", "Calfskin Leather"))
GOYARD_CANVAS = (Style("Goyardine Canvas", "Canvas Coated"),)
BV_INTRECCIATO = (Style("Intrecciato Leather", "Lambskin Leather"), Style("Padded Intrecciato", "Lambskin Leather"))
FENDI_STYLES = (Style("Zucca Canvas", "Canvas", "Brown"), Style("Nappa Leather", "Lambskin Leather"), Style("Selleria Leather", "Calfskin Leather"))
LOEWE_STYLES = (Style("Calfskin", "Calfskin Leather"), Style("Anagram Jacquard", "Canvas"))
BALENCIAGA_STYLES = (Style("Agneau Leather", "Lambskin Leather"), Style("Arena Leather", "Lambskin Leather"))
CHLOE_STYLES = (Style("Calfskin", "Calfskin Leather"), Style("Suede", "Suede"))
BURBERRY_STYLES = (Style("Leather", "Calfskin Leather"), Style("Vintage Check Canvas", "Canvas", "Beige"))
PLAIN_LEATHER = (Style("Leather", "Calfskin Leather"),)
METAL = (Style("18K Yellow Gold", "Yellow Gold", "Gold"), Style("18K White Gold", "White Gold", "Silver"))
ENAMEL = (Style("Enamel", "Enamel"),)
SILK = (Style("Silk Twill", "Silk"),)
TWEED = (Style("Tweed", "Wool"),)
KNIT = (Style("Cashmere", "Cashmere"), Style("Wool", "Wool"))

HERMES_HW = ("Gold", "Palladium", "Rose Gold")
CHANEL_HW = ("Gold", "Silver", "Ruthenium", "Light Gold")
GOLD_HW = ("Gold",)
MIXED_HW = ("Gold", "Silver")

SHOE_SIZES = ("36", "36.5", "37", "37.5", "38", "38.5", "39", "40", "41")
CLOTHING_SIZES = ("XS", "S", "M", "L")
BELT_SIZES = ("75", "80", "85", "90", "95")


def _sized(sizes: tuple[str, ...], retail: int) -> tuple[tuple[str, int], ...]:
    """Sizes that don't change the price (shoes, belts, clothing)."""
    return tuple((size, retail) for size in sizes)


def _bag(brand, name, category, sizes, styles, retention, days, supply, hardware=MIXED_HW) -> Model:
    return Model(brand, name, category, True, tuple(sizes), tuple(styles), retention, days, supply, tuple(hardware))


def _item(brand, name, category, sizes, styles, retention, days, supply, hardware=(), apparel=False) -> Model:
    return Model(brand, name, category, False, tuple(sizes), tuple(styles), retention, days, supply, tuple(hardware), apparel)


# fmt: off
BAG_MODELS: tuple[Model, ...] = (
    # Hermès: above retail, sells in days
    _bag("Hermès", "Birkin", "Top handle", [("25", 11900), ("30", 12900), ("35", 13900), ("40", 15400)], HERMES_LEATHERS, 1.50, 4, 4.4, HERMES_HW),
    _bag("Hermès", "Kelly", "Top handle", [("20", 10500), ("25", 11300), ("28", 11800), ("32", 12700), ("35", 13400)], HERMES_KELLY_LEATHERS, 1.40, 5, 4.0, HERMES_HW),
    _bag("Hermès", "Constance", "Shoulder bags", [("18", 9900), ("24", 11500)], HERMES_KELLY_LEATHERS, 1.30, 6, 1.8, HERMES_HW),
    _bag("Hermès", "Evelyne", "Cross body bags", [("16", 2150), ("29", 3600), ("33", 4000)], (Style("Clemence", "Clemence Leather"),), 1.10, 9, 2.6, ("Palladium", "Gold")),
    _bag("Hermès", "Picotin Lock", "Top handle", [("18", 3200), ("22", 3750)], (Style("Clemence", "Clemence Leather"), Style("Swift", "Swift Leather")), 1.15, 8, 2.2, ("Palladium", "Gold")),
    _bag("Hermès", "Lindy", "Shoulder bags", [("26", 8900), ("30", 9800)], HERMES_LEATHERS, 1.05, 14, 1.1, HERMES_HW),
    _bag("Hermès", "Garden Party", "Totes", [("30", 3500), ("36", 3900)], (Style("Negonda", "Negonda Leather"), Style("Toile", "Canvas")), 0.85, 25, 1.3, ("Palladium",)),
    # Chanel: classics close to retail, fast; newer lines slower
    _bag("Chanel", "Classic Flap", "Shoulder bags", [("Mini Rectangular", 5300), ("Small", 10400), ("Medium", 11300), ("Jumbo", 12300), ("Maxi", 13000)], CHANEL_QUILTED, 0.90, 8, 6.8, CHANEL_HW),
    _bag("Chanel", "Boy", "Shoulder bags", [("Small", 6600), ("Old Medium", 7400), ("Large", 7900)], CHANEL_QUILTED, 0.70, 24, 3.4, CHANEL_HW),
    _bag("Chanel", "2.55 Reissue", "Shoulder bags", [("224", 9300), ("225", 10300), ("226", 11100), ("227", 12300)], CHANEL_AGED, 0.75, 20, 1.7, CHANEL_HW),
    _bag("Chanel", "Wallet on Chain", "Cross body bags", [(None, 3600)], CHANEL_QUILTED, 0.85, 10, 3.4, CHANEL_HW),
    _bag("Chanel", "19", "Shoulder bags", [("Small", 6100), ("Large", 6700), ("Maxi", 7600)], (Style("Quilted Lambskin", "Lambskin Leather"), Style("Quilted Tweed", "Tweed")), 0.65, 30, 2.0, ("Mixed Metal",)),
    _bag("Chanel", "Deauville", "Totes", [("Small", 4800), ("Large", 5500)], (Style("Canvas", "Canvas"), Style("Boucle", "Canvas")), 0.70, 30, 1.7, ("Silver",)),
    _bag("Chanel", "Gabrielle Hobo", "Hobos", [("Small", 4800), ("Medium", 5300)], (Style("Quilted Aged Calfskin", "Calfskin Leather"),), 0.55, 45, 1.4, ("Mixed Metal",)),
    # Louis Vuitton: huge supply, steady demand
    _bag("Louis Vuitton", "Neverfull", "Totes", [("PM", 1960), ("MM", 2030), ("GM", 2120)], LV_CANVAS, 0.78, 14, 16.2, GOLD_HW),
    _bag("Louis Vuitton", "Speedy", "Top handle", [("25", 1530), ("30", 1590), ("35", 1650)], LV_CANVAS_EPI, 0.72, 20, 10.8, GOLD_HW),
    _bag("Louis Vuitton", "Speedy Bandouliere", "Top handle", [("20", 2050), ("25", 2150), ("30", 2240)], LV_CANVAS + (Style("Monogram Empreinte", "Empreinte Leather"),), 0.80, 13, 5.4, GOLD_HW),
    _bag("Louis Vuitton", "Alma", "Top handle", [("BB", 1870), ("PM", 2350)], LV_CANVAS_EPI, 0.70, 24, 5.4, GOLD_HW),
    _bag("Louis Vuitton", "Pochette Métis", "Cross body bags", [(None, 3250)], LV_REVERSE + (Style("Monogram Empreinte", "Empreinte Leather"),), 0.90, 8, 4.5, GOLD_HW),
    _bag("Louis Vuitton", "Keepall", "Duffles", [("45", 2270), ("50", 2370), ("55", 2450)], LV_KEEPALL, 0.68, 32, 4.5, GOLD_HW),
    _bag("Louis Vuitton", "OnTheGo", "Totes", [("PM", 3350), ("MM", 3650), ("GM", 3950)], LV_REVERSE + LV_EMPREINTE, 0.85, 12, 4.5, GOLD_HW),
    _bag("Louis Vuitton", "Multi Pochette Accessoires", "Cross body bags", [(None, 2600)], (Style("Monogram Canvas", "Canvas Coated", "Brown"),), 0.88, 9, 3.6, GOLD_HW),
    _bag("Louis Vuitton", "Favorite", "Cross body bags", [("PM", 1100), ("MM", 1250)], LV_CANVAS, 0.60, 40, 3.6, GOLD_HW),
    # Dior
    _bag("Christian Dior", "Saddle", "Shoulder bags", [("Mini", 3900), ("Medium", 4450)], DIOR_SADDLE, 0.75, 15, 2.0, ("Gold", "Antique Gold")),
    _bag("Christian Dior", "Lady Dior", "Top handle", [("Mini", 5100), ("Small", 6000), ("Medium", 6500)], DIOR_LEATHER, 0.70, 20, 2.0, ("Gold", "Silver")),
    _bag("Christian Dior", "Book Tote", "Totes", [("Mini", 3100), ("Small", 3500), ("Medium", 3900), ("Large", 4400)], DIOR_CANVAS, 0.65, 24, 2.0, ()),
    # Gucci: large supply, slow
    _bag("Gucci", "GG Marmont", "Shoulder bags", [("Mini", 1750), ("Small", 2600), ("Medium", 3100)], GUCCI_LEATHER, 0.50, 40, 4.8, ("Antique Gold", "Gold")),
    _bag("Gucci", "Jackie 1961", "Hobos", [("Mini", 2700), ("Small", 3600), ("Medium", 3900)], GUCCI_CANVAS, 0.55, 42, 2.4, GOLD_HW),
    _bag("Gucci", "Dionysus", "Shoulder bags", [("Mini", 2300), ("Small", 3400), ("Medium", 3800)], GUCCI_CANVAS, 0.45, 55, 3.2, ("Antique Silver",)),
    _bag("Gucci", "Horsebit 1955", "Shoulder bags", [("Mini", 2700), ("Small", 3200)], GUCCI_CANVAS, 0.50, 45, 2.4, GOLD_HW),
    _bag("Gucci", "Ophidia", "Cross body bags", [("Small", 1800), ("Medium", 2200)], GUCCI_CANVAS, 0.45, 55, 2.4, GOLD_HW),
    # Celine
    _bag("Celine", "Luggage", "Totes", [("Nano", 2950), ("Micro", 3500), ("Mini", 3900)], CELINE_LEATHER, 0.60, 28, 2.5, ("Gold", "Silver")),
    _bag("Celine", "Triomphe", "Shoulder bags", [("Teen", 3550), ("Medium", 4000)], CELINE_TRIOMPHE, 0.70, 20, 2.0, GOLD_HW),
    _bag("Celine", "Belt", "Top handle", [("Nano", 2150), ("Micro", 2500), ("Mini", 2800)], CELINE_LEATHER, 0.55, 35, 1.5, GOLD_HW),
    _bag("Celine", "Classic Box", "Shoulder bags", [("Teen", 5050), ("Medium", 5550)], (Style("Box Calfskin", "Calfskin Leather"),), 0.65, 30, 0.8, GOLD_HW),
    # Prada
    _bag("Prada", "Re-Edition 2005", "Shoulder bags", [(None, 1950)], PRADA_NYLON, 0.60, 25, 2.0, ("Silver",)),
    _bag("Prada", "Galleria", "Totes", [("Mini", 2600), ("Small", 3800), ("Medium", 4200), ("Large", 4600)], PRADA_SAFFIANO, 0.50, 45, 2.5, GOLD_HW),
    _bag("Prada", "Cleo", "Shoulder bags", [("Small", 1850), ("Medium", 2650)], (Style("Brushed Leather", "Calfskin Leather"),), 0.55, 35, 1.0, ("Silver",)),
    # Saint Laurent
    _bag("Saint Laurent", "Loulou", "Shoulder bags", [("Toy", 1750), ("Small", 2650), ("Medium", 3050), ("Large", 3350)], YSL_LEATHER, 0.50, 45, 3.5, ("Gold", "Silver", "Black")),
    _bag("Saint Laurent", "Kate", "Cross body bags", [("Small", 2350), ("Medium", 2850)], YSL_LEATHER, 0.50, 45, 3.0, ("Gold", "Silver")),
    _bag("Saint Laurent", "Sac de Jour", "Top handle", [("Nano", 2550), ("Small", 3450), ("Medium", 3950)], (Style("Grain de Poudre", "Calfskin Leather"),), 0.45, 60, 1.5, ("Silver",)),
    _bag("Saint Laurent", "Le 5 à 7", "Hobos", [(None, 2550)], PLAIN_LEATHER, 0.55, 40, 1.0, GOLD_HW),
    # Goyard: only sold in its own stores, holds value
    _bag("Goyard", "Saint Louis", "Totes", [("PM", 1900), ("GM", 2300)], GOYARD_CANVAS, 0.95, 10, 3.0, ()),
    _bag("Goyard", "Artois", "Totes", [("PM", 3100), ("MM", 3500)], GOYARD_CANVAS, 0.85, 15, 1.0, ("Silver",)),
    _bag("Goyard", "Anjou", "Totes", [("Mini", 2900), ("PM", 3500), ("GM", 4100)], GOYARD_CANVAS, 0.90, 12, 1.2, ()),
    # Bottega Veneta
    _bag("Bottega Veneta", "Jodie", "Hobos", [("Mini", 2700), ("Teen", 3500), ("Large", 4000)], BV_INTRECCIATO, 0.55, 35, 1.5, ("Gold",)),
    _bag("Bottega Veneta", "Cassette", "Cross body bags", [(None, 3400)], BV_INTRECCIATO, 0.55, 35, 1.5, ("Gold", "Silver")),
    _bag("Bottega Veneta", "Andiamo", "Top handle", [("Small", 5400), ("Medium", 6800)], BV_INTRECCIATO, 0.55, 40, 0.8, ("Silver",)),
    # Fendi
    _bag("Fendi", "Baguette", "Shoulder bags", [("Mini", 3000), ("Medium", 3900)], FENDI_STYLES, 0.55, 30, 2.0, ("Gold", "Silver")),
    _bag("Fendi", "Peekaboo", "Top handle", [("Mini", 4700), ("Medium", 5600), ("Large", 6400)], (Style("Selleria Leather", "Calfskin Leather"),), 0.45, 50, 1.2, ("Silver", "Gold")),
    _bag("Fendi", "First", "Clutches", [("Small", 4000), ("Medium", 4800)], (Style("Nappa Leather", "Lambskin Leather"),), 0.45, 55, 0.8, ("Gold",)),
    # Loewe
    _bag("Loewe", "Puzzle", "Shoulder bags", [("Mini", 2800), ("Small", 3500), ("Medium", 4200)], LOEWE_STYLES, 0.60, 25, 1.5, ("Gold",)),
    _bag("Loewe", "Hammock", "Shoulder bags", [("Small", 2950), ("Medium", 3750)], LOEWE_STYLES, 0.50, 40, 1.0, ("Gold",)),
    # Balenciaga, Chloé, Burberry, Valentino: past "it" bags, slow and well below retail
    _bag("Balenciaga", "City", "Shoulder bags", [("Mini", 1650), ("Small", 2100), ("Medium", 2400)], BALENCIAGA_STYLES, 0.35, 80, 1.2, ("Silver", "Gold")),
    _bag("Balenciaga", "Hourglass", "Top handle", [("XS", 2150), ("Small", 2850)], (Style("Croc Embossed Calfskin", "Calfskin Leather"),), 0.40, 60, 0.6, ("Silver",)),
    _bag("Balenciaga", "Le Cagole", "Shoulder bags", [("XS", 2300), ("Small", 2900)], BALENCIAGA_STYLES, 0.40, 55, 0.6, ("Silver",)),
    _bag("Chloé", "Marcie", "Satchels", [("Small", 1850), ("Medium", 2250)], CHLOE_STYLES, 0.35, 70, 2.0, GOLD_HW),
    _bag("Chloé", "Paddington", "Satchels", [(None, 1600)], PLAIN_LEATHER, 0.30, 90, 1.5, GOLD_HW),
    _bag("Chloé", "Drew", "Cross body bags", [("Mini", 1650), ("Small", 1950)], CHLOE_STYLES, 0.35, 70, 1.5, GOLD_HW),
    _bag("Burberry", "TB", "Shoulder bags", [("Mini", 1590), ("Small", 2090), ("Medium", 2390)], BURBERRY_STYLES, 0.30, 90, 0.7, GOLD_HW),
    _bag("Burberry", "Lola", "Shoulder bags", [("Mini", 1690), ("Small", 2150)], (Style("Quilted Lambskin", "Lambskin Leather"),), 0.30, 90, 0.6, ("Gold",)),
    _bag("Valentino Garavani", "Rockstud", "Top handle", [("Small", 2700), ("Medium", 3300)], PLAIN_LEATHER, 0.35, 75, 1.2, ("Gold",)),
    _bag("Miu Miu", "Wander", "Shoulder bags", [("Mini", 2100), ("Medium", 2450)], (Style("Matelasse Nappa", "Lambskin Leather"),), 0.70, 18, 1.0, ("Gold",)),
)

NON_BAG_MODELS: tuple[Model, ...] = (
    _item("Louis Vuitton", "Zippy Wallet", "Wallets", [(None, 1080)], LV_CANVAS, 0.60, 30, 3.0, GOLD_HW),
    _item("Louis Vuitton", "Key Pouch", "Small Leather Goods", [(None, 345)], LV_CANVAS, 0.75, 15, 2.0, GOLD_HW),
    _item("Louis Vuitton", "Initiales Belt", "Belts", _sized(BELT_SIZES, 700), (Style("Monogram Canvas", "Canvas Coated", "Brown"),), 0.50, 40, 1.0, GOLD_HW),
    _item("Chanel", "Classic Card Holder", "Small Leather Goods", [(None, 1050)], CHANEL_QUILTED[:2], 0.80, 14, 2.0, CHANEL_HW),
    _item("Chanel", "Ballet Flats", "Shoes", _sized(SHOE_SIZES, 1100), (Style("Lambskin", "Lambskin Leather"),), 0.45, 45, 1.5),
    _item("Chanel", "CC Earrings", "Earrings", [(None, 1200)], (Style("Crystal", "Metal"),), 0.60, 30, 1.0),
    _item("Hermès", "H Belt", "Belts", _sized(BELT_SIZES, 1050), (Style("Epsom", "Epsom Leather"),), 0.85, 18, 1.0, ("Gold", "Palladium")),
    _item("Hermès", "Clic H Bracelet", "Bracelet", [(None, 750)], ENAMEL, 0.85, 15, 1.0, ("Gold", "Palladium")),
    _item("Hermès", "Carré 90", "Scarves", [(None, 550)], SILK, 0.60, 25, 1.0),
    _item("Hermès", "Oran Sandals", "Shoes", _sized(SHOE_SIZES, 790), (Style("Box Calf", "Calfskin Leather"),), 0.70, 20, 1.0),
    _item("Gucci", "Horsebit Loafers", "Shoes", _sized(SHOE_SIZES, 1000), PLAIN_LEATHER, 0.35, 50, 2.0),
    _item("Gucci", "GG Marmont Wallet", "Wallets", [(None, 750)], GUCCI_LEATHER[:1], 0.45, 40, 1.5, ("Gold",)),
    _item("Gucci", "GG Belt", "Belts", _sized(BELT_SIZES, 500), PLAIN_LEATHER, 0.45, 40, 1.5, ("Gold",)),
    _item("Saint Laurent", "Cassandre Card Case", "Small Leather Goods", [(None, 395)], YSL_LEATHER[:1], 0.55, 30, 1.0, ("Gold",)),
    _item("Christian Dior", "J'Adior Slingback", "Shoes", _sized(SHOE_SIZES, 1100), (Style("Technical Fabric", "Fabric"),), 0.40, 45, 1.0),
    _item("Van Cleef & Arpels", "Vintage Alhambra Necklace", "Necklace", [(None, 5400)], METAL, 0.85, 20, 0.8),
    _item("Cartier", "Love Bracelet", "Bracelet", _sized(("16", "17", "18", "19"), 7100), METAL, 0.80, 18, 0.8),
    _item("Cartier", "Tank Must", "watch", [("Large", 3400)], (Style("Steel", "Stainless Steel", "Silver"),), 0.75, 25, 0.5),
    # clothing: vsp's mixed catalogue only
    _item("Chanel", "Tweed Jacket", "Jackets", _sized(CLOTHING_SIZES, 7800), TWEED, 0.45, 40, 1.5, apparel=True),
    _item("Prada", "Re-Nylon Jacket", "Jackets", _sized(CLOTHING_SIZES, 2500), PRADA_NYLON[:1], 0.40, 45, 1.5, apparel=True),
    _item("Saint Laurent", "Leather Biker Jacket", "Jackets", _sized(CLOTHING_SIZES, 5990), PLAIN_LEATHER, 0.40, 50, 1.0, apparel=True),
    _item("Bottega Veneta", "Knit Sweater", "Knitwear", _sized(CLOTHING_SIZES, 1800), KNIT, 0.35, 50, 1.5, apparel=True),
    _item("Burberry", "Kensington Trench Coat", "Coats", _sized(CLOTHING_SIZES, 2590), (Style("Cotton Gabardine", "Cotton", "Beige"),), 0.40, 45, 1.5, apparel=True),
    _item("Gucci", "Silk Shirt", "Tops", _sized(CLOTHING_SIZES, 1900), SILK, 0.30, 60, 1.5, apparel=True),
)
# fmt: on

# Canonical exterior colours with how often consignors bring them (neutrals dominate).
COLOR_WEIGHTS: dict[str, float] = {
    "Black": 34, "Beige": 12, "Brown": 12, "Grey": 7, "White": 6, "Red": 7, "Pink": 6,
    "Blue": 7, "Green": 4, "Orange": 2, "Yellow": 1, "Multicolor": 2,
}  # fmt: skip

# Buyers pay a little more for, and buy sooner, black and neutral bags.
COLOR_VALUE: dict[str, float] = {
    "Black": 1.05, "Beige": 1.02, "Brown": 1.0, "Grey": 1.0, "White": 0.97, "Red": 0.98, "Pink": 0.98,
    "Blue": 0.97, "Green": 0.95, "Orange": 0.95, "Yellow": 0.93, "Multicolor": 0.92, "Gold": 1.0, "Silver": 1.0,
}  # fmt: skip
COLOR_DEMAND: dict[str, float] = {
    "Black": 1.2, "Beige": 1.1, "Brown": 1.0, "Grey": 1.0, "White": 0.95, "Red": 0.95, "Pink": 0.95,
    "Blue": 0.9, "Green": 0.85, "Orange": 0.85, "Yellow": 0.8, "Multicolor": 0.8, "Gold": 1.0, "Silver": 1.0,
}  # fmt: skip

# Fair value relative to EXCELLENT, and how much slower worn items move.
CONDITION_VALUE = {"NEW": 1.12, "EXCELLENT": 1.0, "VERY_GOOD": 0.88, "GOOD": 0.76, "FAIR": 0.6}
CONDITION_DEMAND = {"NEW": 1.1, "EXCELLENT": 1.0, "VERY_GOOD": 0.95, "GOOD": 0.85, "FAIR": 0.75}


@dataclass(frozen=True, slots=True)
class Assortment:
    """What kind of stock a marketplace carries."""

    brand_weight: dict[str, float]  # multiplier on Model.supply per named brand
    condition_mix: dict[str, float]  # share of new listings per condition
    other_brands: float = 1.0  # multiplier for brands not named in brand_weight
    apparel: bool = False


_BROAD_CONDITIONS = {"NEW": 0.12, "EXCELLENT": 0.35, "VERY_GOOD": 0.30, "GOOD": 0.18, "FAIR": 0.05}
ASSORTMENTS: dict[str, Assortment] = {
    "broad": Assortment({}, _BROAD_CONDITIONS),
    "mixed_apparel": Assortment({"Hermès": 0.5}, _BROAD_CONDITIONS, apparel=True),
    # vintage resellers: monogram canvas and old Chanel, few of this decade's lines
    "vintage": Assortment(
        {"Louis Vuitton": 2.0, "Chanel": 1.5, "Fendi": 1.5, "Celine": 0.3, "Bottega Veneta": 0.3,
         "Loewe": 0.2, "Balenciaga": 0.5, "Miu Miu": 0.3},
        {"NEW": 0.03, "EXCELLENT": 0.17, "VERY_GOOD": 0.35, "GOOD": 0.32, "FAIR": 0.13},
    ),
    # New York boutiques selling Hermès and Chanel, mostly new or like new
    "top_tier": Assortment(
        {"Hermès": 8.0, "Chanel": 3.0, "Louis Vuitton": 0.3, "Goyard": 1.0, "Christian Dior": 0.6},
        {"NEW": 0.45, "EXCELLENT": 0.40, "VERY_GOOD": 0.12, "GOOD": 0.03, "FAIR": 0.0},
        other_brands=0.1,
    ),
    "classic": Assortment(
        {"Hermès": 2.0, "Chanel": 2.0, "Louis Vuitton": 1.5},
        {"NEW": 0.15, "EXCELLENT": 0.35, "VERY_GOOD": 0.30, "GOOD": 0.15, "FAIR": 0.05},
        other_brands=0.7,
    ),
}


def models_for(assortment: Assortment, is_bag: bool, pool: tuple[Model, ...] | None = None) -> list[tuple[Model, float]]:
    """The models a marketplace lists, with their weight among its new listings (of `pool`,
    by default this catalogue's bags or non-bags; sandbox/long_tail.py has the rest)."""
    pool = (BAG_MODELS if is_bag else NON_BAG_MODELS) if pool is None else pool
    weighted = []
    for model in pool:
        if model.apparel and not assortment.apparel:
            continue
        weight = model.supply * assortment.brand_weight.get(model.brand, assortment.other_brands)
        if weight > 0:
            weighted.append((model, weight))
    return weighted


# Models heating up (+) or cooling down (-): change of demand per 30 days, relative to the
# market's start date (The RealReal tracks "revival" bags like the Dior Saddle).
DEMAND_TREND_PER_30_DAYS: dict[tuple[str, str], float] = {
    ("Christian Dior", "Saddle"): 0.06,
    ("Miu Miu", "Wander"): 0.08,
    ("Louis Vuitton", "Pochette Métis"): 0.03,
    ("Balenciaga", "Le Cagole"): -0.06,
    ("Bottega Veneta", "Jodie"): -0.05,
    ("Gucci", "Dionysus"): -0.04,
}
