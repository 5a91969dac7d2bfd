"""The market sections of the chapter 'Western responses': the electric-car markets
behind the tariff walls (IEA shares, the US target) and Chinese brands in the EU."""

from __future__ import annotations

import pandas as pd

from chinaev.report import escape, exhibits, prose
from chinaev.report.chapter import Chapter

US_EXTRA = "us_tariff_chinese_evs"
MARKETS = {"China": "China", "EU27": "European Union", "USA": "United States"}
SHARE_KEYS = {"china": "China", "eu": "EU27", "usa": "USA"}


def _missing(chapter: Chapter) -> str:
    """The placeholder for what came out after the chapter's date."""
    return str(prose.not_published(chapter.package.as_of))


def _shares(chapter: Chapter, region: str | None = None, category="Historical") -> pd.DataFrame:
    """The IEA's electric share of new-car sales, in one market or in all three."""
    regions = [region] if region else list(MARKETS)
    frames = [
        chapter.iea(region=r, parameter="EV sales share", mode="Cars", powertrains=["EV"],
                    category=category).assign(market=MARKETS[r])
        for r in regions
    ]  # fmt: skip
    return pd.concat(frames, ignore_index=True)


def _share(chapter: Chapter, shares, key: str, region: str, year) -> float | None:
    """Glue one market's IEA share in one year (or the placeholder); return its value."""
    row = shares[(shares["region"] == region) & (shares["year"] == year)]
    chapter.text(key, row["label"].iloc[0] if len(row) else _missing(chapter))
    return float(row["value"].iloc[0]) if len(row) else None


def markets(chapter: Chapter) -> None:
    """The electric markets behind the walls: IEA shares then and now, the US target
    against the IEA's projection, and the one US share in the news."""
    shares = _shares(chapter)
    latest = int(shares["year"].max()) if len(shares) else None
    link = escape.MyST(chapter.cite_iea() if len(shares) else "")
    chapter.md("cite_iea_shares", "{link}", link=link)
    chapter.text("iea_latest_year", str(latest) if latest else str(chapter.unknown))
    now = {
        r: _share(chapter, shares, f"iea_share_{k}_latest", r, latest)
        for k, r in SHARE_KEYS.items()
    }
    early = [_share(chapter, shares, f"iea_share_{k}_2019", r, 2019) for k, r in SHARE_KEYS.items()]
    # Small shares can differ severalfold, so only their size is described, not their spread.
    if None in early:
        chapter.text("early_closeness", str(chapter.unknown))
    else:
        small = max(early) < 10
        chapter.text("early_closeness", "still small everywhere" if small else "already far apart")
    _target_gap(chapter, now["USA"])
    wall = ""
    if chapter.has(US_EXTRA) and None not in now.values():
        smallest = min(now, key=now.get) == "USA"
        wall = "The higher tariff guards the smallest electric market of the three."
        wall = (
            wall if smallest else "The higher tariff does not guard the smallest electric market."
        )
    chapter.md("wall_vs_market", wall)
    chapter.numbers("iea_china_us_ev_car_sales_ratio_2023", "us_ev_share_2021_h1")
    h1 = (
        chapter.package.record("us_ev_share_2021_h1")
        if chapter.has("us_ev_share_2021_h1")
        else None
    )
    period = prose.period(h1["period_start"], h1["period_end"]) if h1 is not None else None
    chapter.text("us_h1_period", period or str(chapter.unknown))
    h1_year = h1["period_start"].year if h1 is not None else None
    _share(chapter, shares, "iea_share_usa_2021", "USA", h1_year)
    chart = exhibits.region_lines(
        shares.rename(columns={"market": "Market"}), series="Market",
        series_order=list(MARKETS.values()), title="Electric cars' share of new-car sales",
        subtitle="Battery-electric and plug-in hybrid cars, percent of all new cars sold",
        source=chapter.iea_credit(), y_title="Share of new-car sales (%)",
    )  # fmt: skip
    chapter.chart("fig_wr_iea_shares", exhibits.wrap_source(chart))


def _target_gap(chapter: Chapter, now: float | None) -> None:
    """The US gap to its 2030 target, judged against the IEA's own projection for the
    target year rather than a straight line: a share that starts low can still rise fast."""
    if not chapter.has("us_zev_share_target_2030") or now is None:
        chapter.text("us_target_gap", str(chapter.unknown))
        return
    target = chapter.value("us_zev_share_target_2030")
    year = chapter.package.record("us_zev_share_target_2030")["period_start"].year
    steps = _shares(chapter, "USA", "Projection-STEPS")
    projected = steps[steps["year"] == year]
    if projected.empty:
        gap = "and the IEA data in the package carry no projection for the target year"
        chapter.text("us_target_gap", gap)
        return
    value, label = float(projected["value"].iloc[0]), projected["label"].iloc[0]
    side = "above" if value > target else "below" if value < target else "at"
    standing = "short of the target" if now < target else "already at the target"
    standing = "under half the target" if now < target / 2 else standing
    # Whether the edition came out before or after the reversal follows the package's dates.
    package = chapter.package
    edition = package.select("sources", source_id=package.iea_source_id)
    reversal = package.select("events", event_id="us_zev_target_revoked")
    when = "made before"
    if len(edition) and len(reversal):
        after = edition["published_date"].iloc[0] > reversal["date"].iloc[0]
        when = "published after" if after else when
    chapter.text(
        "us_target_gap",
        f"{standing}; the IEA's stated-policies scenario, {when} the policy reversal "
        f"described below, projects {label} for {year}, {side} it",
    )


def eu_market(chapter: Chapter) -> None:
    """Chinese brands' share of EU battery-electric car sales (Transport & Environment's
    basis; the article says 'EV sales') beside the EU's electric share of all new cars."""
    ids = ["chinese_brands_eu_ev_share_2019", "chinese_brands_eu_ev_share_2023"]
    points = chapter.frame(ids, label_of=lambda record: "Chinese brands, of BEV sales")
    points["year"] = points["period_start"].dt.strftime("%Y")
    iea = _shares(chapter, "EU27")
    iea = iea[iea["year"].isin([int(y) for y in points["year"]])]
    iea_points = pd.DataFrame({
        "category": "Electric cars, of all new cars", "value": iea["value"], "label": iea["label"],
        "basis": "reported", "year": iea["year"].astype(str),
    })  # fmt: skip
    points = pd.concat([points, iea_points], ignore_index=True)
    chart = exhibits.dot_comparison(
        points, series="year", series_order=sorted(points["year"].unique()),
        title="Chinese brands in a growing EU electric-car market",
        subtitle="Percent; Chinese brands' share is of battery-electric (BEV) car sales, the "
        "electric share (plug-in hybrids included) of all new cars",
        source="Transport & Environment, via a 2025 news feature; " + chapter.iea_credit(),
        x_title="Percent",
    )  # fmt: skip
    chapter.chart("fig_wr_eu_market", exhibits.wrap_source(chart))
