/* attr-test.c - p11/attr.c: the buffer-size protocol (one attribute, a
 * whole template with per-attribute errors, plain output buffers),
 * template checks and typed reads, matching, deep copies, padded fields. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "attr.h"

static void test_put(void **state)
{
	unsigned char buf[8];
	CK_ATTRIBUTE a = {CKA_VALUE, NULL, 1234};

	(void)state;
	/* NULL asks the length. */
	assert_int_equal(oc_attr_put(&a, "hello", 5), CKR_OK);
	assert_int_equal(a.ulValueLen, 5);
	/* Too short: the length is unavailable, nothing written. */
	memset(buf, 0xAA, sizeof(buf));
	a.pValue = buf;
	a.ulValueLen = 4;
	assert_int_equal(oc_attr_put(&a, "hello", 5), CKR_BUFFER_TOO_SMALL);
	assert_int_equal(a.ulValueLen, CK_UNAVAILABLE_INFORMATION);
	assert_int_equal(buf[0], 0xAA);
	/* Exact and larger buffers. */
	a.ulValueLen = 5;
	assert_int_equal(oc_attr_put(&a, "hello", 5), CKR_OK);
	assert_int_equal(a.ulValueLen, 5);
	assert_memory_equal(buf, "hello", 5);
	a.ulValueLen = sizeof(buf);
	assert_int_equal(oc_attr_put(&a, "hi", 2), CKR_OK);
	assert_int_equal(a.ulValueLen, 2);
	/* An empty value fits any buffer. */
	a.ulValueLen = 0;
	assert_int_equal(oc_attr_put(&a, "", 0), CKR_OK);
	assert_int_equal(a.ulValueLen, 0);
}

/* A getter over a made-up object. */
static CK_RV getter(void *ctx, CK_ATTRIBUTE_TYPE t, struct oc_attr_val *v)
{
	(void)ctx;
	switch (t) {
	case CKA_CLASS:
		oc_attr_val_ulong(v, CKO_DATA);
		return CKR_OK;
	case CKA_TOKEN:
		oc_attr_val_bool(v, true);
		return CKR_OK;
	case CKA_LABEL:
		oc_attr_val_bytes(v, "db/password", 11);
		return CKR_OK;
	case CKA_VALUE:
		return CKR_ATTRIBUTE_SENSITIVE;
	default:
		return CKR_ATTRIBUTE_TYPE_INVALID;
	}
}

static void test_fill(void **state)
{
	CK_OBJECT_CLASS cls = 0;
	CK_BBOOL tok = 0;
	char label[4], value[32];
	CK_ATTRIBUTE t[] = {
	    {CKA_CLASS, &cls, sizeof(cls)},
	    {CKA_VALUE, value, sizeof(value)},
	    {CKA_LABEL, label, sizeof(label)},
	    {0x7fff0000UL, value, sizeof(value)},
	    {CKA_TOKEN, &tok, sizeof(tok)},
	};

	(void)state;
	/* Every attribute answered; the failing ones unavailable; the first
	 * failure returned. */
	assert_int_equal(oc_attr_fill(t, 5, getter, NULL),
			 CKR_ATTRIBUTE_SENSITIVE);
	assert_int_equal(cls, CKO_DATA);
	assert_int_equal(t[0].ulValueLen, sizeof(CK_ULONG));
	assert_int_equal(t[1].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	assert_int_equal(t[2].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	assert_int_equal(t[3].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	assert_int_equal(tok, CK_TRUE);
	assert_int_equal(t[4].ulValueLen, 1);

	/* Only a short buffer: CKR_BUFFER_TOO_SMALL. */
	t[2].ulValueLen = 3;
	assert_int_equal(oc_attr_fill(&t[2], 1, getter, NULL),
			 CKR_BUFFER_TOO_SMALL);
	/* Only an unknown type. */
	assert_int_equal(oc_attr_fill(&t[3], 1, getter, NULL),
			 CKR_ATTRIBUTE_TYPE_INVALID);
	/* Lengths asked. */
	t[0].pValue = NULL;
	t[2].pValue = NULL;
	assert_int_equal(oc_attr_fill(t, 1, getter, NULL), CKR_OK);
	assert_int_equal(t[0].ulValueLen, sizeof(CK_ULONG));
	assert_int_equal(oc_attr_fill(&t[2], 1, getter, NULL), CKR_OK);
	assert_int_equal(t[2].ulValueLen, 11);
	/* Empty template. */
	assert_int_equal(oc_attr_fill(NULL, 0, getter, NULL), CKR_OK);
}

static void test_out_len(void **state)
{
	CK_BYTE out[16];
	CK_ULONG len = 0;
	bool ready = true;

	(void)state;
	assert_int_equal(oc_attr_out_len(NULL, &len, 44, &ready), CKR_OK);
	assert_false(ready);
	assert_int_equal(len, 44);
	len = 10;
	assert_int_equal(oc_attr_out_len(out, &len, 44, &ready),
			 CKR_BUFFER_TOO_SMALL);
	assert_false(ready);
	assert_int_equal(len, 44);
	len = 16;
	assert_int_equal(oc_attr_out_len(out, &len, 16, &ready), CKR_OK);
	assert_true(ready);
	len = 0;
	assert_int_equal(oc_attr_out_len(out, &len, 0, &ready), CKR_OK);
	assert_true(ready);
}

static void test_check(void **state)
{
	CK_ULONG x = 1;
	CK_ATTRIBUTE ok[] = {
	    {CKA_CLASS, &x, sizeof(x)},
	    {CKA_LABEL, NULL, 0},
	};
	CK_ATTRIBUTE dup[] = {
	    {CKA_LABEL, "a", 1},
	    {CKA_LABEL, "b", 1},
	};
	CK_ATTRIBUTE nullval[] = {{CKA_LABEL, NULL, 3}};

	(void)state;
	assert_int_equal(oc_attr_check(ok, 2), CKR_OK);
	assert_int_equal(oc_attr_check(NULL, 0), CKR_OK);
	assert_int_equal(oc_attr_check(NULL, 1), CKR_ARGUMENTS_BAD);
	assert_int_equal(oc_attr_check(dup, 2), CKR_TEMPLATE_INCONSISTENT);
	assert_int_equal(oc_attr_check(nullval, 1),
			 CKR_ATTRIBUTE_VALUE_INVALID);
	assert_int_equal(oc_attr_check(ok, OC_P11_MAX_TEMPLATE + 1),
			 CKR_TEMPLATE_INCONSISTENT);
	assert_ptr_equal(oc_attr_find(ok, 2, CKA_LABEL), &ok[1]);
	assert_null(oc_attr_find(ok, 2, CKA_VALUE));
}

static void test_typed(void **state)
{
	CK_BBOOL t = CK_TRUE, f = CK_FALSE, odd = 7;
	CK_ULONG ul = 42;
	CK_ATTRIBUTE a;
	bool b = false;
	CK_ULONG out = 0;

	(void)state;
	a = (CK_ATTRIBUTE){CKA_TOKEN, &t, 1};
	assert_int_equal(oc_attr_bool(&a, &b), CKR_OK);
	assert_true(b);
	a.pValue = &f;
	assert_int_equal(oc_attr_bool(&a, &b), CKR_OK);
	assert_false(b);
	a.pValue = &odd;
	assert_int_equal(oc_attr_bool(&a, &b), CKR_ATTRIBUTE_VALUE_INVALID);
	a.pValue = &ul;
	a.ulValueLen = sizeof(ul);
	assert_int_equal(oc_attr_bool(&a, &b), CKR_ATTRIBUTE_VALUE_INVALID);
	assert_int_equal(oc_attr_ulong(&a, &out), CKR_OK);
	assert_int_equal(out, 42);
	a.ulValueLen = 4;
	assert_int_equal(oc_attr_ulong(&a, &out), CKR_ATTRIBUTE_VALUE_INVALID);
	a.pValue = NULL;
	a.ulValueLen = sizeof(ul);
	assert_int_equal(oc_attr_ulong(&a, &out), CKR_ATTRIBUTE_VALUE_INVALID);
}

static void test_match(void **state)
{
	struct oc_attr_val v = {0};
	CK_BBOOL odd = 2;
	CK_ATTRIBUTE a = {CKA_TOKEN, &odd, 1};
	CK_ULONG cls = CKO_DATA;

	(void)state;
	oc_attr_val_bool(&v, true);
	assert_true(oc_attr_match(&a, &v)); /* any non-zero is true */
	oc_attr_val_bool(&v, false);
	assert_false(oc_attr_match(&a, &v));
	oc_attr_val_bytes(&v, "abc", 3);
	a = (CK_ATTRIBUTE){CKA_LABEL, "abc", 3};
	assert_true(oc_attr_match(&a, &v));
	a.ulValueLen = 2;
	assert_false(oc_attr_match(&a, &v));
	a = (CK_ATTRIBUTE){CKA_LABEL, "abd", 3};
	assert_false(oc_attr_match(&a, &v));
	oc_attr_val_bytes(&v, "", 0);
	a = (CK_ATTRIBUTE){CKA_LABEL, NULL, 0};
	assert_true(oc_attr_match(&a, &v));
	oc_attr_val_ulong(&v, CKO_DATA);
	a = (CK_ATTRIBUTE){CKA_CLASS, &cls, sizeof(cls)};
	assert_true(oc_attr_match(&a, &v));
	cls = CKO_SECRET_KEY;
	assert_false(oc_attr_match(&a, &v));
	/* Copied values are bounded by the storage. */
	oc_attr_val_copy(&v, "0123456789", 10);
	assert_int_equal(v.len, 10);
	assert_memory_equal(v.p, "0123456789", 10);
}

static void test_dup(void **state)
{
	CK_ULONG cls = CKO_DATA;
	CK_ATTRIBUTE t[] = {
	    {CKA_CLASS, &cls, sizeof(cls)},
	    {CKA_LABEL, "app/x", 5},
	    {CKA_OBJECT_ID, NULL, 0},
	};
	CK_ATTRIBUTE *c = NULL;

	(void)state;
	assert_int_equal(oc_attr_dup(t, 3, &c), CKR_OK);
	assert_non_null(c);
	assert_ptr_not_equal(c[1].pValue, t[1].pValue);
	assert_memory_equal(c[1].pValue, "app/x", 5);
	assert_int_equal(c[0].ulValueLen, sizeof(CK_ULONG));
	assert_non_null(c[2].pValue);
	assert_int_equal(c[2].ulValueLen, 0);
	oc_attr_free(c, 3);
	assert_int_equal(oc_attr_dup(NULL, 0, &c), CKR_OK);
	assert_null(c);
	oc_attr_free(NULL, 0);
}

static void test_pad(void **state)
{
	CK_UTF8CHAR f[8];

	(void)state;
	oc_attr_pad(f, sizeof(f), "abc", 3);
	assert_memory_equal(f, "abc     ", 8);
	oc_attr_pad(f, sizeof(f), "abcdefghij", 10);
	assert_memory_equal(f, "abcdefgh", 8);
	/* "abcdef" + U+00E9 (2 bytes) + "x": the cut falls after é. */
	oc_attr_pad(f, sizeof(f), "abcdef\xc3\xa9x", 9);
	assert_memory_equal(f, "abcdef\xc3\xa9", 8);
	/* "abcdefg" + é: é does not fit whole, so it goes. */
	oc_attr_pad(f, sizeof(f), "abcdefg\xc3\xa9", 9);
	assert_memory_equal(f, "abcdefg ", 8);
	/* A 3-byte character cut in its middle. */
	oc_attr_pad(f, sizeof(f), "abcdef\xe2\x9c\x93", 9);
	assert_memory_equal(f, "abcdef  ", 8);
	/* Control characters, C0 and C1 (CSI, U+009B), become blanks. */
	oc_attr_pad(f, sizeof(f), "a\tb\xc2\x9b[2J", 8);
	assert_memory_equal(f, "a b  [2J", 8);
	/* U+00A0 and above stay. */
	oc_attr_pad(f, sizeof(f),
		    "a\xc2\xa0"
		    "b",
		    4);
	assert_memory_equal(f,
			    "a\xc2\xa0"
			    "b    ",
			    8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_put),	    cmocka_unit_test(test_fill),
	    cmocka_unit_test(test_out_len), cmocka_unit_test(test_check),
	    cmocka_unit_test(test_typed),   cmocka_unit_test(test_match),
	    cmocka_unit_test(test_dup),	    cmocka_unit_test(test_pad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
