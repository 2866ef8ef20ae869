package okta_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harden365/harden365/clients/collect"
	"github.com/harden365/harden365/clients/okta"
	"github.com/harden365/harden365/sim"
	"github.com/harden365/harden365/tenant"
)

// factorsRun collects the enlarged org (7 users, pages of 2) from a fresh
// simulator with the given factors mode and limit, counting the factor
// requests sent and the simulator's own count of Okta requests.
func factorsRun(t *testing.T, mode string, limit int) (res result, factorReqs, sent, served int64) {
	t.Helper()
	srv, doc := startSim(t, enlarged(t), "enlarged.json", sim.Options{PageSize: 2})
	cfg := config(srv.URL(), doc, t)
	cfg.Factors, cfg.FactorsLimit = mode, limit
	var nf, n atomic.Int64
	cfg.HTTPClient = &http.Client{Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
		n.Add(1)
		if strings.HasSuffix(r.URL.Path, "/factors") {
			nf.Add(1)
		}
		return http.DefaultTransport.RoundTrip(r)
	})}
	res = collectAll(t, cfg)
	resp, err := http.Get(srv.URL() + "/_sim/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var stats struct{ Requests map[string]int64 }
	if err := json.NewDecoder(resp.Body).Decode(&stats); err != nil {
		t.Fatal(err)
	}
	return res, nf.Load(), n.Load(), stats.Requests["okta"]
}

// Auto reads the factors of an org within the limit (7 users, limit 7),
// and "all" reads them above it: the snapshot is the scenario's.
func TestOktaFactorsRead(t *testing.T) {
	for _, c := range []struct {
		mode  string
		limit int
	}{{"", 0}, {okta.FactorsAuto, 7}, {okta.FactorsAll, 3}, {"ALL", 1}} {
		res, factorReqs, sent, served := factorsRun(t, c.mode, c.limit)
		_, doc := startSim(t, enlarged(t), "enlarged.json", sim.Options{PageSize: 2})
		checkAgainstFile(t, doc, res, 2)
		if factorReqs != 7 || sent != served {
			t.Errorf("%q limit %d: %d factor requests (want 7), %d sent, %d served", c.mode, c.limit, factorReqs, sent, served)
		}
	}
}

// Above the limit, auto skips the factors: no factor request reaches the
// simulator, the users are listed without factors, and the source says
// why and how to read them.
func TestOktaFactorsSkipped(t *testing.T) {
	for _, c := range []struct {
		mode  string
		limit int
		want  string
	}{
		{okta.FactorsAuto, 6, "not read: one request per Okta user (7 users, under a minute at Okta's rate limit); --okta-factors all reads them"},
		{okta.FactorsNone, 0, "not read (--okta-factors none): one request per Okta user (7 users, under a minute at Okta's rate limit); --okta-factors all reads them"},
	} {
		res, factorReqs, sent, served := factorsRun(t, c.mode, c.limit)
		var sk *collect.Skipped
		if err := res.errs[okta.SourceFactors]; !errors.As(err, &sk) || sk.Why != c.want {
			t.Errorf("%s: okta.factors: %v, want skipped: %q", c.mode, err, c.want)
		}
		if factorReqs != 0 || sent != served {
			t.Errorf("%s: %d factor requests, %d sent, %d served by the simulator", c.mode, factorReqs, sent, served)
		}
		for id, err := range res.errs {
			if err != nil && id != okta.SourceFactors {
				t.Errorf("%s: %v", id, err)
			}
		}
		if _, pages, _ := res.reps[okta.SourceFactors].Counts(); pages != 0 {
			t.Errorf("%s: okta.factors reported %d pages", c.mode, pages)
		}
		if len(res.snap.Okta.Users) != 7 {
			t.Fatalf("%s: %d users, want 7", c.mode, len(res.snap.Okta.Users))
		}
		for _, u := range res.snap.Okta.Users {
			if u.Factors == nil || len(u.Factors) != 0 {
				t.Errorf("%s: user %s has factors %#v, want none (an empty list)", c.mode, u.ID, u.Factors)
			}
		}
	}
}

// The users and their factors come from two sources whose applies run in
// whichever order they finish: the snapshot is the same either way.
func TestOktaFactorsApplyOrder(t *testing.T) {
	srv, doc := startSim(t, enlarged(t), "enlarged.json", sim.Options{PageSize: 2})
	forward := collectAll(t, config(srv.URL(), doc, t)).snap

	tasks, err := okta.Tasks(config(srv.URL(), doc, t))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	applies := make([]func(*tenant.Snapshot), len(tasks))
	var wg sync.WaitGroup
	for i, task := range tasks {
		wg.Go(func() {
			var err error
			if applies[i], err = task.Run(ctx, collect.NewReporter(task.ID, task.Service, nil)); err != nil {
				t.Errorf("%s: %v", task.ID, err)
			}
		})
	}
	wg.Wait()
	backward := &tenant.Snapshot{}
	for i := len(applies) - 1; i >= 0; i-- {
		if applies[i] != nil {
			applies[i](backward)
		}
	}
	if !reflect.DeepEqual(forward.Okta, backward.Okta) {
		t.Error("applying okta.factors before okta.users gives another snapshot")
	}
	n := 0
	for _, u := range backward.Okta.Users {
		n += len(u.Factors)
	}
	if n == 0 {
		t.Error("no factors after applying okta.factors first")
	}
}

func TestOktaFactorsModeRefused(t *testing.T) {
	if _, err := okta.Tasks(okta.Config{OrgURL: "https://acme.okta.com", Token: "x", Factors: "some"}); err == nil || !strings.Contains(err.Error(), "auto, all or none") {
		t.Errorf("err = %v", err)
	}
}
