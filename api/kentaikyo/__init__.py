"""建退共 (construction retirement mutual aid): the employer's monthly confirm-then-submit of work days, and the
import of its 就労実績報告 whose days missing in OpenCCUS become candidate work records (docs/kentaikyo.md)."""
