package assess_test

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/harden365/harden365/assess"
	"github.com/harden365/harden365/tenant"
)

// The checks run at once on workers: the findings are those of every
// other run, in catalog order, and RunWithInventory's inventory is
// Inventory's.
func TestRunIsDeterministicAndSharesTheInventory(t *testing.T) {
	files, _ := filepath.Glob("../ui/testdata/*.snapshot.json")
	snaps := []*tenant.Snapshot{hardened()}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s, err := tenant.Decode(data)
		if err != nil {
			t.Fatal(err)
		}
		snaps = append(snaps, s)
	}
	for i, s := range snaps {
		want := assess.Run(s, assess.Options{})
		for range 5 {
			got, inv := assess.RunWithInventory(s, assess.Options{})
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("snapshot %d: the findings differ between runs", i)
			}
			if !reflect.DeepEqual(inv, assess.Inventory(s)) {
				t.Fatalf("snapshot %d: RunWithInventory's inventory is not Inventory's", i)
			}
		}
		for k, c := range assess.Catalog() {
			if want[k].ID != c.ID {
				t.Fatalf("snapshot %d: finding %d is %s, the catalog has %s", i, k, want[k].ID, c.ID)
			}
		}
	}
}

// RunReusing reuses the base's inventory only when the inventory's inputs
// are unchanged, and then judges as Run does.
func TestRunReusingNeedsTheSameInputs(t *testing.T) {
	files, _ := filepath.Glob("../ui/testdata/*.snapshot.json")
	for _, f := range files {
		data, _ := os.ReadFile(f)
		base, err := tenant.Decode(data)
		if err != nil {
			t.Fatal(err)
		}
		s, _ := tenant.Decode(data)
		inv := assess.Inventory(base)
		if !assess.SameInventoryInputs(s, base) {
			t.Fatalf("%s: a copy does not have the same inventory inputs", f)
		}
		if got, want := assess.RunReusing(s, assess.Options{}, base, inv), assess.Run(s, assess.Options{}); !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: RunReusing differs from Run", f)
		}
		if len(s.Entra.SignIns) > 0 {
			s.Entra.SignIns[0].UserAgent += " changed"
			if assess.SameInventoryInputs(s, base) {
				t.Fatalf("%s: a changed sign-in still counts as the same inputs", f)
			}
			if got, want := assess.RunReusing(s, assess.Options{}, base, inv), assess.Run(s, assess.Options{}); !reflect.DeepEqual(got, want) {
				t.Fatalf("%s: RunReusing after a change differs from Run", f)
			}
		}
	}
}

// The inventory of users split into shards is the inventory of the users
// grouped together.
func TestInventoryShardsAgree(t *testing.T) {
	files, _ := filepath.Glob("../ui/testdata/*.snapshot.json")
	for _, f := range files {
		data, _ := os.ReadFile(f)
		s, err := tenant.Decode(data)
		if err != nil {
			t.Fatal(err)
		}
		restore := assess.SetShardFrom(1 << 30)
		want := assess.Inventory(s)
		restore()
		restore = assess.SetShardFrom(1)
		got := assess.Inventory(s)
		restore()
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: the sharded inventory differs", f)
		}
	}
}
