package results

import "strings"

// ShortCommitLen is how many characters of a commit ShortCommit keeps:
// 12 hex digits name one commit in any repository of this size.
const ShortCommitLen = 12

// ShortCommit is the one short form of a recorded commit (Host.Commit)
// that every listing prints: its first ShortCommitLen characters, with
// "+dirty" kept where the tree had changes ("1a2b3c4d5e6f+dirty"), and
// anything else ("unknown", "") as it is.
func ShortCommit(commit string) string {
	hash, dirty := strings.CutSuffix(commit, "+dirty")
	if len(hash) > ShortCommitLen {
		hash = hash[:ShortCommitLen]
	}
	if dirty {
		return hash + "+dirty"
	}
	return hash
}
