// Fixture for scripts/vuln-images.sh: a binary built by Go 1.19 whose build information names the
// toolchain (stdlib) and two vendored modules at versions with Go advisories.
package main

import (
	"fmt"
	"net/http"

	"golang.org/x/net/html"
	"golang.org/x/text/language"
)

func main() {
	fmt.Println(html.EscapeString("<bulkhead>"), language.Make("en"), http.StatusOK)
}
