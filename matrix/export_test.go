package matrix

// SetWorkers sets Evaluate's parallelism for a test (most workers, fewest
// users each) and returns a function that restores it.
func SetWorkers(most, fewestUsers int) (restore func()) {
	m, f := maxWorkers, minUsersPerWorker
	maxWorkers, minUsersPerWorker = most, fewestUsers
	return func() { maxWorkers, minUsersPerWorker = m, f }
}

// SetSharedTexts turns the workers' shared texts (names.go) on or off for
// a test and returns a function that restores the setting.
func SetSharedTexts(on bool) (restore func()) {
	old := sharedTexts
	sharedTexts = on
	return func() { sharedTexts = old }
}
