package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// On every screen, at 80 columns, the help bar keeps "? help" and
// "q quit" (the keys a first-time user looks for) and the screen's first
// key: where there is no room for all, the screen's last keys give way,
// not those.
func TestHelpBarKeepsHelpAndQuit(t *testing.T) {
	for _, width := range []int{80, 60} {
		w := loadedWizard(t, "whitepaper", width, 24, PagePlan)
		pump(t, w, Send(StepsMsg{Steps: []string{"B", "C", "D", "E", "A", "F"}}))
		for p := PageDiscovery; p < nPages; p++ {
			pump(t, w, Send(GoTo(p)))
			view := w.View().Content
			checkFits(t, view, width, 24)
			lines := strings.Split(ansi.Strip(view), "\n")
			bar := strings.TrimSpace(lines[len(lines)-1])
			if !strings.HasSuffix(bar, "? help • q quit") {
				t.Errorf("%d columns, %s: the help bar has no room for ? and q: %q", width, p, bar)
			}
			first := w.screens[p].ShortHelp()
			if len(first) > 0 && first[0].Enabled() && !strings.HasPrefix(bar, first[0].Help().Key+" ") {
				t.Errorf("%d columns, %s: the screen's first key %q is not first on the bar: %q", width, p, first[0].Help().Key, bar)
			}
		}
	}
}
