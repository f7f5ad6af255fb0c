// Package language is a small stand-in written for bulkhead's vulnerability fixture: it is vendored
// under the path and version of a real module (golang.org/x/text v0.3.7) so that the binary's build
// information names that module. It is not the real package.
package language

// Tag is a BCP 47 language tag, kept as text.
type Tag string

// Make returns the tag for s.
func Make(s string) Tag { return Tag(s) }
