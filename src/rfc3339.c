/* rfc3339.c - RFC 3339 timestamps without locale or TZ dependence. */
#include "config.h"

#include "rfc3339.h"

#include <stdbool.h>
#include <stdio.h>

#include "err.h"

void oc_time_format(time_t t, char out[OC_TIME_LEN])
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) ||
	    strftime(out, OC_TIME_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, OC_TIME_LEN, "1970-01-01T00:00:00Z");
}

void oc_time_now(char out[OC_TIME_LEN])
{
	oc_time_format(time(NULL), out);
}

static int digits(const char *s, size_t n, size_t at, size_t count, int *out)
{
	int v = 0;
	size_t i;

	if (at + count > n)
		return OC_ERR_PARSE;
	for (i = at; i < at + count; i++) {
		if (s[i] < '0' || s[i] > '9')
			return OC_ERR_PARSE;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return OC_OK;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int month_days(int y, int m)
{
	static const int dm[] = {31, 28, 31, 30, 31, 30,
				 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : dm[m - 1];
}

int oc_time_parse(const char *s, size_t n, int64_t *out)
{
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	size_t i;

	if (!s || n < 20 || n > 40)
		return OC_ERR_PARSE;
	if (digits(s, n, 0, 4, &y) || s[4] != '-' || digits(s, n, 5, 2, &mo) ||
	    s[7] != '-' || digits(s, n, 8, 2, &d) ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    digits(s, n, 11, 2, &h) || s[13] != ':' ||
	    digits(s, n, 14, 2, &mi) || s[16] != ':' ||
	    digits(s, n, 17, 2, &sec))
		return OC_ERR_PARSE;
	i = 19;
	if (i < n && s[i] == '.') {
		i++;
		if (i >= n || s[i] < '0' || s[i] > '9')
			return OC_ERR_PARSE;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if (i >= n)
		return OC_ERR_PARSE;
	if (s[i] == 'Z' || s[i] == 'z') {
		i++;
	} else if (s[i] == '+' || s[i] == '-') {
		sign = s[i] == '+' ? 1 : -1;
		if (digits(s, n, i + 1, 2, &oh) || i + 3 >= n ||
		    s[i + 3] != ':' || digits(s, n, i + 4, 2, &om))
			return OC_ERR_PARSE;
		i += 6;
	} else {
		return OC_ERR_PARSE;
	}
	if (i != n)
		return OC_ERR_PARSE;
	if (mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo) || h > 23 ||
	    mi > 59 || sec > 60 || oh > 23 || om > 59)
		return OC_ERR_PARSE;
	*out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
	       (int64_t)sign * (oh * 3600 + om * 60);
	return OC_OK;
}
