/** The range of PostgreSQL's `integer` (int4): ids and codes stored in such columns, and filters compared with them. */
export const INT4_MIN = -2147483648;
export const INT4_MAX = 2147483647;
