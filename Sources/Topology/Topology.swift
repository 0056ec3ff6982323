// The Topology layer; see docs/.
