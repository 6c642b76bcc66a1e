"""Daily demand from invoice lines (UCI Online Retail layout): by hand and on the real file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbench.usecases.supply_chain.data import DemandDataError, read_demand
from workbench.windows import DemandPanel

ONLINE_RETAIL = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "online_retail" / "online_retail.csv.gz"

LINES = """InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
536365,85123A,HEART HOLDER,6,2010-12-01 08:26:00,2.50,17850,United Kingdom
536366,85123A,HEART HOLDER,2,2010-12-01 09:00:00,3.00,17850,United Kingdom
536367,71053,LANTERN,4,2010-12-01 10:00:00,3.39,17850,United Kingdom
C536368,85123A,HEART HOLDER,-6,2010-12-02 10:00:00,2.50,17850,United Kingdom
536369,POST,POSTAGE,1,2010-12-02 11:00:00,18.00,12583,France
536370,71053,LANTERN,1,2010-12-02 12:00:00,3.39,17850,United Kingdom
536371,71053,LANTERN,3,2010-12-04 12:00:00,0,17850,United Kingdom
536372,71053,LANTERN,5,2010-12-05 12:00:00,3.50,17850,United Kingdom
"""


def test_sales_lines_become_daily_demand(tmp_path):
    path = tmp_path / "retail.csv"
    path.write_text(LINES)
    df = read_demand(path)
    by = {(r.unique_id, str(r.ds.date())): r for r in df.itertuples()}
    # Two sales lines of one code on one day add up; the price is quantity-weighted (6*2.5+2*3)/8.
    assert by[("85123A", "2010-12-01")].y == 8 and by[("85123A", "2010-12-01")].price == pytest.approx(2.625)
    # The cancellation is not negative demand; the price carries forward.
    assert by[("85123A", "2010-12-02")].y == 0 and by[("85123A", "2010-12-02")].price == pytest.approx(2.625)
    # POST (not a product) is dropped; a free line (price 0) is not a sale, and 2010-12-04 had
    # no sale at all in the shop, so it is a closed day: no row, missing in the panel.
    assert "POST" not in set(df["unique_id"]) and ("71053", "2010-12-04") not in by
    assert by[("71053", "2010-12-05")].y == 5
    assert df.attrs["cancelled_lines"] == 1 and df.attrs["non_product_lines"] == 1
    panel = DemandPanel.from_frame(df)
    assert panel.freq == "D" and np.isnan(panel.y[:, list(panel.dates).index(pd.Timestamp("2010-12-04"))]).all()


def test_unparsable_quantity_names_column_and_row(tmp_path):
    path = tmp_path / "retail.csv"
    path.write_text(LINES.replace("536370,71053,LANTERN,1,", "536370,71053,LANTERN,eins,"))
    with pytest.raises(DemandDataError, match=r"'Quantity'.*rows 6"):
        read_demand(path)


@pytest.mark.skipif(not ONLINE_RETAIL.is_file(), reason="../shared/data/online_retail is not beside the checkout")
def test_online_retail_file():
    df = read_demand(ONLINE_RETAIL)
    panel = DemandPanel.from_frame(df)
    assert df["unique_id"].nunique() > 3000 and df["ds"].nunique() == 305   # the shop trades ~305 days a year
    assert 0.6 < (df["y"] == 0).mean() < 0.85                                # very intermittent
    assert df.attrs["cancelled_lines"] > 5000
    saturdays = panel.dates.dayofweek == 5
    assert np.isnan(panel.y[:, saturdays]).all()                            # closed: missing, not zero
