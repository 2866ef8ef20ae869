package assess

// SetShardFrom sets the number of sightings from which the inventory
// shards its users, for a test, and returns a function that restores it.
func SetShardFrom(n int) (restore func()) {
	old := invShardFrom
	invShardFrom = n
	return func() { invShardFrom = old }
}
