package ui

func newReportScreen(c *Common) Screen { return &placeholder{c: c, name: "report"} }
