// Command harden365 finds every way to read an organisation's Exchange
// Online mail with a password alone, and closes them in a safe order.
package main

import (
	"context"
	"os"

	"github.com/harden365/harden365/cli"
)

func main() {
	os.Exit(cli.Main(context.Background(), os.Args[1:], cli.IO{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}))
}
