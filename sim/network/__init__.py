"""Social networks over the customer population: the graph and its generators.

A foundation package (it imports nothing from the rest of stratsim): :mod:`sim.network.graph`
holds :class:`SocialNetwork` (sparse CSR adjacency, neighbour sums and means for every customer
at once), :mod:`sim.network.generators` the Watts-Strogatz, Erdős-Rényi, Chung-Lu, complete and
empty generators, and :mod:`sim.network.memory` the memory estimate of each.
"""

from sim.network.generators import build_network
from sim.network.graph import NETWORK_KINDS, SocialNetwork
from sim.network.memory import network_bytes_estimate

__all__ = ["NETWORK_KINDS", "SocialNetwork", "build_network", "network_bytes_estimate"]
