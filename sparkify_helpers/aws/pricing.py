"""On-demand Redshift prices (USD per node-hour): an estimate to show before provisioning."""

from __future__ import annotations

# us-east-1 and us-west-2 list the same on-demand prices; other regions cost about the same or more.
HOURLY_USD: dict[str, float] = {
    "ra3.large": 0.543,
    "ra3.xlplus": 1.086,
    "ra3.4xlarge": 3.26,
    "ra3.16xlarge": 13.04,
}


def hourly_cost(node_type: str, num_nodes: int) -> float | None:
    """Estimated USD per hour for the cluster, or None for an unknown node type."""
    price = HOURLY_USD.get(node_type)
    return None if price is None else round(price * num_nodes, 3)
