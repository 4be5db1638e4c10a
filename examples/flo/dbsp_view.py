"""DBSP incremental view maintenance over Z-set change streams.

`orders` holds `(order_id, customer)` and `customers` holds `(customer, region)`, both as streams
of changes: `(row, +1)` inserts a row, `(row, -1)` deletes it. The view is the set of regions that
have at least one order:

    view = distinct(project_region(orders join customers))

Join and distinct work on the changes (the join is bilinear: each new change meets everything
seen on the other side), so after any prefix of changes the view's changes add up to `recompute`
applied to the current tables.

    tensflo flo check examples/flo/dbsp_view.py
    tensflo flo run examples/flo/dbsp_view.py --runner beam
"""

from __future__ import annotations

from typing import Any

from tensflo.ir.flo import ZSET, Graph, run, unbounded
from tensflo.ir.flo.zsets import ZSetValue, zset, zset_distinct, zset_join

graph = Graph("dbsp_view")
orders = graph.input("orders", unbounded(ZSET))
customers = graph.input("customers", unbounded(ZSET))
by_customer = orders.map(lambda row: (row[1], row[0]))            # (customer, order_id)
joined = by_customer.join(customers)                               # (customer, (order_id, region))
graph.output("view", joined.map(lambda kv: kv[1][1]).distinct())  # region


def recompute(orders_now: ZSetValue, customers_now: ZSetValue) -> ZSetValue:
    """The view computed from scratch from the current tables."""
    by_customer_now = zset(((c, o), w) for (o, c), w in orders_now)
    joined_now = zset_join(by_customer_now, customers_now)
    return zset_distinct(zset((region, w) for (_, (_, region)), w in joined_now))


inputs: dict[str, list[Any]] = {
    "orders": [((1, "ann"), 1), ((2, "bob"), 1), ((1, "ann"), -1), ((3, "cy"), 1)],
    "customers": [(("ann", "north"), 1), (("bob", "south"), 1), (("cy", "south"), 1),
                  (("bob", "south"), -1)],
}

if __name__ == "__main__":
    print(run(graph, inputs).outputs["view"])
