package ui

// ConnectOptions let the connect screen list, create and open profiles.
type ConnectOptions struct{}

func newConnect(c *Common, o *ConnectOptions) Screen { return &placeholder{c: c, name: "connect"} }
