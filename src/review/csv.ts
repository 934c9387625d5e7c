// CSV as RFC 4180 has it, for files an auditor opens in a spreadsheet: fields separated by commas,
// records by CRLF (section 2, rule 1); a field holding a comma, a double quote, CR or LF is enclosed
// in double quotes, and a double quote inside it is doubled (rules 6 and 7). Every other field is
// written as is. Values are never altered (a field starting with = stays so: the file must say what
// AWS said; docs/organization-inventory.md warns of spreadsheets that evaluate such a cell).

/** One field, quoted only when RFC 4180 requires it. */
export function csvField(value: string | number | boolean | undefined): string {
    const text = value === undefined ? "" : String(value);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The header record, then one record per row; every record ends with CRLF. */
export function toCsv(header: readonly string[], rows: readonly (readonly (string | number | boolean | undefined)[])[]): string {
    return [header, ...rows].map((row) => `${row.map(csvField).join(",")}\r\n`).join("");
}
