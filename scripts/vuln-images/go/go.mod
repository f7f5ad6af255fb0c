module example.com/bulkhead-vuln-fixture

go 1.19

require (
	golang.org/x/net v0.0.0-20210805182204-aaa1db679c0d
	golang.org/x/text v0.3.7
)
