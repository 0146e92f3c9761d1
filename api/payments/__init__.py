"""Payments: online payments and bank-transfer reconciliation; `zengin` reads the banks' 全銀 transfer notices."""
