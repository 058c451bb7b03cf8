package db_test

import (
	"testing"

	"github.com/smartcommunities/hub/db/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }
