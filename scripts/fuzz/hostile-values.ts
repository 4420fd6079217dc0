// The values an attacker reaches for first: text Postgres cannot store (U+0000),
// lone surrogates, right-to-left overrides, huge strings, numbers at and past
// every boundary a column or a parser has, and JSON of the wrong type.
import fc from "fast-check";

const odd = [
	"\u0000",
	"a\u0000b",
	"\ud800", // a lone surrogate: not valid UTF-16, becomes U+FFFD in UTF-8
	"\u202e\u0041\u202c",
	"\ufeff",
	"💥🧨".repeat(3),
	"é".normalize("NFD"),
	"%00",
	"%2e%2e/%2e%2e",
	"../../etc/passwd",
	"' OR 1=1 --",
	"<script>alert(1)</script>",
	// biome-ignore lint/suspicious/noTemplateCurlyInString: the point is a literal ${…} reaching a logger
	"${jndi:ldap://x}",
	"\r\nX-Injected: 1",
	" ",
	"",
	"null",
	"0x10",
	"1e309",
	"-0",
	"NaN",
];

/** A string that is odd, huge, or simply arbitrary unicode. */
export const hostileString = (maxHuge = 70_000): fc.Arbitrary<string> =>
	fc.oneof(
		{ weight: 4, arbitrary: fc.constantFrom(...odd) },
		{ weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 40 }) },
		{ weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
		{ weight: 1, arbitrary: fc.integer({ min: Math.min(1_000, maxHuge), max: maxHuge }).map((n) => "x".repeat(n)) },
		// Ordinary-looking text with one odd character inside passes length checks and reaches the database.
		{
			weight: 3,
			arbitrary: fc.tuple(fc.constantFrom(...odd.slice(0, 5)), fc.string({ minLength: 1, maxLength: 10 })).map(([a, b]) => b + a + b),
		},
	);

/** Numbers at and beyond the limits of int4, int8, JavaScript and JSON. */
export const boundaryNumber: fc.Arbitrary<number> = fc.oneof(
	fc.constantFrom(0, -1, 1, 2 ** 31 - 1, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 - 1, 2 ** 53 + 2, -(2 ** 53), 1e308, -1e308, 0.5, 5e-324),
	fc.integer(),
	fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** Any JSON value, small. */
export const anyJson: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 3 });

/** A value of some JSON type, often not the one expected. */
export const wrongType: fc.Arbitrary<unknown> = fc.oneof(
	hostileString(20_000),
	boundaryNumber,
	fc.boolean(),
	fc.constant(null),
	fc.array(fc.string(), { maxLength: 3 }),
	fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
);
