package resolvers

// dryRun is an import's optional dryRun argument: false unless given true.
func dryRun(b *bool) bool { return b != nil && *b }
