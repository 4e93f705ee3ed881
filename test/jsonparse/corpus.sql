-- ras_json_parse against PostgreSQL's jsonb input: on every document both give the
-- same value, or both refuse it. pg_only marks what ras refuses on purpose.
\set ON_ERROR_STOP 1
CREATE TEMP TABLE corpus (doc text, pg_only bool DEFAULT false);
INSERT INTO corpus (doc) VALUES ('{}'), ('[]'), ('1'), ('"x"'), ('true'), ('false'), ('null'),
  (' [1, 2 ,3 ] '), (E'\n\t{"a" : 1}\r\n'), ('{"a":1,"a":2}'),
  ('{"b":{"c":[1,{"d":null}]},"a":"\u00e9\ud83d\ude00\n\t\"\\\/\b\f\r"}'),
  ('-0'), ('0'), ('0.5e-3'), ('1E+2'), ('-12.5'), ('1e-7'), ('"h\u0041llo"'), ('"ü日本"'),
  ('{"k":"v" }'), ('[[[[[]]]]]'), ('""'), ('{"":""}'), ('"\u00e9"'), ('"a\\u0000"'),
  ('123456789012345678901234567890.123'),
  -- numbers made from an int64 (at most 15 digits, no exponent) and those past it: the
  -- same digits and scale
  ('0.50'), ('-0.0'), ('1.000'), ('100'), ('-100'), ('123456789012345678'),
  ('-123456789012345678'), ('1234567890123456789'), ('0.000000000000000001'),
  ('12345678901234567.8'), ('-9.99'), ('0.12345678901234567'), ('123456789.012345678'),
  ('999999999999999'), ('-99999999999.9999'), ('0.000000000000001'),
  ('[1.10, 2.2000, 0.0001, 10000, 99999999, 0.10000]'),
  -- keys: duplicates (the last stays), sorting of few and of many
  ('{"b":1,"a":2,"b":3,"aa":4,"":5,"a":6}'), ('{"z":{"y":1,"x":2,"y":3},"a":[{"b":1,"a":2}]}'),
  -- refused by both
  ('01'), ('1.'), ('.5'), ('-'), ('+1'), ('1e'), ('1e+'), ('tru'), ('truex'), ('nul'),
  ('nullx'), ('[1,]'), ('{"a":1,}'), ('{"a"}'), ('{a:1}'), ('{"a" 1}'), ('[1 2]'),
  ('"abc'), (E'"a\tb"'), (E'"a\nb"'), ('"\x"'), ('"\u12"'), ('"\u12G4"'), ('"\u0000"'),
  ('"\udc00"'), ('"\ud800"'), ('"\ud800x"'), ('"\ud800\u0041"'), ('[1]]'), ('{} {}'),
  ('  '), ('['), ('{"a":1'), ('1 2'), ('NaN'), ('{"a":1}x'), ('[,1]'), ('{,}'), ('"\'), ('"ab\'), ('"\u00'), ('"\ud800\'), ('"\ud800\u'), ('-a'),
  ('[1,2'), ('{"a":[}'), ('''a''');
INSERT INTO corpus VALUES ('[1e5000]', true),      -- numbers past 1e1000: refused by ras
  (repeat('[', 1001) || repeat(']', 1001), true);  -- nesting past 1000: refused by ras
INSERT INTO corpus (doc)                           -- deep, but within both parsers' limits
  SELECT repeat('[', 500) || repeat(']', 500);
INSERT INTO corpus (doc)                           -- objects of more than 16 keys
  SELECT '{' || string_agg(format('"k%s":%s', (g * 7919) % n, g), ',') || '}'
  FROM generate_series(17, 60, 7) n, generate_series(1, n + n / 3) g GROUP BY n;
-- pages like the API's: every kind of value, escapes, non-ASCII, nesting
INSERT INTO corpus (doc)
  SELECT jsonb_build_object('targets', jsonb_agg(jsonb_build_object(
           'targetId', 't' || g, 'bid', g * 0.01, 'n', NULL, 'on', g % 2 = 0,
           'keyword', 'k "q" \ / ' || chr(233) || chr(128512) || chr(10) || chr(31),
           'arr', jsonb_build_array(g, -g, g::float8 / 7, '{}'::jsonb, '[]'::jsonb))),
         'nextToken', 'x')::text
  FROM generate_series(1, 2000) g GROUP BY g % 20;

CREATE FUNCTION pg_temp.try_pg(d text) RETURNS jsonb LANGUAGE plpgsql AS
$$BEGIN RETURN d::jsonb; EXCEPTION WHEN OTHERS THEN RETURN NULL; END$$;
CREATE FUNCTION pg_temp.try_ras_error(d text) RETURNS text LANGUAGE plpgsql AS
$$BEGIN PERFORM pg_temp.ras_test_json_parse(d); RETURN 'accepted'; EXCEPTION WHEN invalid_text_representation THEN RETURN SQLERRM; END$$;
CREATE FUNCTION pg_temp.try_ras(d text) RETURNS jsonb LANGUAGE plpgsql AS
$$BEGIN RETURN pg_temp.ras_test_json_parse(d); EXCEPTION WHEN invalid_text_representation THEN RETURN NULL; END$$;

SELECT count(*) AS documents,
       count(*) FILTER (WHERE pg_temp.try_pg(doc) IS NULL) AS refused
FROM corpus;
-- every difference, with both answers (none expected)
SELECT left(doc, 60) AS doc, pg_temp.try_pg(doc)::text AS postgres, pg_temp.try_ras(doc)::text AS ras
FROM corpus
WHERE pg_temp.try_ras(doc)::text IS DISTINCT FROM CASE WHEN pg_only THEN NULL ELSE pg_temp.try_pg(doc)::text END;
DO $$
BEGIN
  -- as text: jsonb equality would take 1.0 and 1.00 for the same number
  IF EXISTS (SELECT FROM corpus WHERE pg_temp.try_ras(doc)::text IS DISTINCT FROM
             CASE WHEN pg_only THEN NULL ELSE pg_temp.try_pg(doc)::text END) THEN
    RAISE EXCEPTION 'ras_json_parse differs from jsonb input';
  END IF;
END $$;
-- the parser's words for a few refusals
SELECT doc, regexp_replace(e, '^ras_json_parse: ', '') AS why
FROM (VALUES ('"\u0000"'), ('[1 2]'), ('"\ud800"'), (E'"a\tb"'), ('01'), ('[1e5000]')) v(doc),
LATERAL (SELECT pg_temp.try_ras_error(doc) e) x;
-- the compact text of request bodies (ras_jsonb_text): read back, the same value, and
-- jsonb's own text without the spaces outside strings
CREATE TEMP TABLE valid AS SELECT doc::jsonb AS j FROM corpus WHERE pg_temp.try_pg(doc) IS NOT NULL;
SELECT count(*) AS written_back FROM valid
WHERE pg_temp.ras_test_jsonb_text(j)::jsonb::text = j::text
  AND pg_temp.ras_test_jsonb_text(j) = regexp_replace(j::text, '("(\\.|[^"\\])*")|[ ]', '\1', 'g');
DO $$
BEGIN
  IF EXISTS (SELECT FROM valid
             WHERE pg_temp.ras_test_jsonb_text(j)::jsonb::text IS DISTINCT FROM j::text
                OR pg_temp.ras_test_jsonb_text(j) IS DISTINCT FROM
                   regexp_replace(j::text, '("(\\.|[^"\\])*")|[ ]', '\1', 'g')) THEN
    RAISE EXCEPTION 'ras_jsonb_text does not write back what it was given';
  END IF;
END $$;
SELECT pg_temp.ras_test_jsonb_text(E'{"a": "x\\"y\\\\z\\n\\u0001", "b": [1, 2.50, true, null, {}], "": []}'::jsonb) AS compact;
