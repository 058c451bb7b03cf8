package db

import (
	"fmt"

	"github.com/jackc/pgx/v5/pgtype"
)

// The text columns that hold a fixed set of values scan into their own string types through
// pgtype.TextScanner. Without it pgx falls back to converting each value through reflection
// (reflect.Value.Convert, comparing type names on every row): 4% of the CPU of the README's members
// query at 100,000 practices went there.

func scanText[T ~string](dst *T, v pgtype.Text) error {
	if !v.Valid {
		return fmt.Errorf("cannot scan NULL into %T", dst)
	}
	*dst = T(v.String)
	return nil
}

func (v *MemberKind) ScanText(t pgtype.Text) error                  { return scanText(v, t) }
func (v *MemberStatus) ScanText(t pgtype.Text) error                { return scanText(v, t) }
func (v *BestPracticeStatus) ScanText(t pgtype.Text) error          { return scanText(v, t) }
func (v *DeadlineModel) ScanText(t pgtype.Text) error               { return scanText(v, t) }
func (v *FundingStatus) ScanText(t pgtype.Text) error               { return scanText(v, t) }
func (v *DevelopmentStatus) ScanText(t pgtype.Text) error           { return scanText(v, t) }
func (v *ToolReviewStatus) ScanText(t pgtype.Text) error            { return scanText(v, t) }
func (v *Role) ScanText(t pgtype.Text) error                        { return scanText(v, t) }
func (v *MembershipApplicationStatus) ScanText(t pgtype.Text) error { return scanText(v, t) }
func (v *WebhookDeliveryStatus) ScanText(t pgtype.Text) error       { return scanText(v, t) }
