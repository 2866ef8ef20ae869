package ui

func newClients(c *Common) Screen { return &placeholder{c: c, name: "clients"} }
