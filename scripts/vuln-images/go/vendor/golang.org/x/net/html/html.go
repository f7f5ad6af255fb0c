// Package html is a small stand-in written for bulkhead's vulnerability fixture: it is vendored
// under the path and version of a real module (golang.org/x/net v0.0.0-20210805182204-aaa1db679c0d)
// so that the binary's build information names that module. It is not the real package.
package html

import "strings"

// EscapeString escapes <, >, & and quotes.
func EscapeString(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}
