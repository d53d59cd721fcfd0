/*
 * The learned models of a conversation's sentiment and resolution (pure:
 * compiled into the binary), and the reading of a conversation into their
 * features.
 *
 * Two linear regressions trained by tools/train_sentiment.py on the STC-3
 * helpdesk dialogues: one of the annotators' mean customer satisfaction
 * (data/runtime/sentiment_model.txt), one of their mean task
 * accomplishment (resolution_model.txt).  Both read the same features:
 *
 *   dense   what the rules say (sentiment_rules.c): the caller's utterance
 *           scores (the end of the call weighing most, the first, the
 *           lowest, the highest, the last), complaints and irony, the
 *           number of caller turns, who spoke last, the resolution cues of
 *           the caller's and of the assistant's last turns;
 *   sparse  words and word pairs of the caller's turns ("C:", each turn
 *           weighing 1 / turns), of the caller's last turn ("L:", when it
 *           is not the first) and of the assistant's last turn ("H:"); in
 *           the caller's turns without greetings and without courtesy where
 *           it is only courtesy.  Each of a turn's 2n features (n words)
 *           counts 1 / sqrt(2n).
 *
 * A sparse feature is found by the 64-bit FNV-1a hash of its text ("C:my",
 * "C:my_card", "C:^_my"); the hashes are checked to be distinct when the
 * models load.  Loaded once per process, read-only afterwards, so any
 * number of threads may read at once.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embedded.h"
#include "sentiment_int.h"

#define CT_SENTI_FORMAT "convtrack-conversation 1"
#define CT_SENTI_COMPLAINTS_MAX 3 /* complaints counted per turn */

/*
 * The rules' bounds on the conversation score (tools/train_sentiment.py
 * applies the same, see ct_senti_score_of()): a caller who ends the call
 * negative is negative, and one who never said anything positive is not
 * positive.
 */
#define CT_SENTI_COMPLAINT_CEILING (-0.3)
#define CT_SENTI_NO_PRAISE_CEILING 0.2
#define CT_SENTI_NEGATIVE_TURN (-0.25) /* a negative turn's score */

/* The two models, in the order of struct ct_senti_model's lin[]. */
enum ct_senti_task { CT_TASK_SENTIMENT, CT_TASK_RESOLUTION, CT_TASK_COUNT };

static const char *const ct_senti_files[CT_TASK_COUNT] = {
	"sentiment_model.txt", "resolution_model.txt",
};

static const char *const ct_senti_tasks[CT_TASK_COUNT] = {
	"model sentiment", "model resolution",
};

/* The dense features: these, then u_<cue> and a_<cue> (cue order). */
enum ct_senti_dense {
	CT_D_WMEAN,
	CT_D_FIRST,
	CT_D_MIN,
	CT_D_MAX,
	CT_D_FIRST_COMPLAINT,
	CT_D_LAST,
	CT_D_LAST_COMPLAINT,
	CT_D_IRONY,
	CT_D_M0, /* m_0 .. m_4: the caller's turns, 4 for more */
	CT_D_USER_LAST = CT_D_M0 + 5,
	CT_D_CUE, /* u_human ... u_question, a_handover ... a_closing */
	CT_D_COUNT = CT_D_CUE + CT_CUE_COUNT
};

static const char *const ct_senti_dense_names[CT_D_CUE] = {
	"s_wmean", "s_first", "s_min", "s_max", "s_first_complaint", "s_last",
	"s_last_complaint", "s_irony", "m_0", "m_1", "m_2", "m_3", "m_4",
	"user_last",
};

/* A sparse feature's weights in the two models; hash 0 marks a free slot. */
struct ct_senti_feat {
	uint64_t hash;
	double w[CT_TASK_COUNT];
};

/* The scalar part of one model. */
struct ct_senti_linear {
	double bias;
	double dense[CT_D_COUNT];
	double offset, scale; /* sentiment: score = (raw - offset) * scale */
	double resolved_min;  /* resolution: resolved above it */
};

struct ct_senti_model {
	struct ct_senti_rules *rules;
	struct ct_senti_linear lin[CT_TASK_COUNT];
	struct ct_senti_feat *slot; /* nslot, a power of 2 */
	size_t nslot;
};

static struct ct_senti_model *ct_senti_model_ptr;
static pthread_once_t ct_senti_model_once = PTHREAD_ONCE_INIT;

/* Dense feature d's name: a fixed one, or "u_<cue>" / "a_<cue>" in buf. */
static const char *ct_senti_dense_name(size_t d, char *buf, size_t len)
{
	size_t c = d - CT_D_CUE;

	if (d < CT_D_CUE)
		return ct_senti_dense_names[d];
	snprintf(buf, len, "%c_%s", c < CT_CUE_HANDOVER ? 'u' : 'a',
		 ct_senti_cue_name((enum ct_senti_cue)c));
	return buf;
}

/* The slot of the feature with hash h: its own, or the free one where it
 * would go. */
static struct ct_senti_feat *ct_senti_slot(const struct ct_senti_model *m,
					   uint64_t h)
{
	size_t k = (size_t)(h ^ h >> 32) & (m->nslot - 1);

	while (m->slot[k].hash && m->slot[k].hash != h)
		k = (k + 1) & (m->nslot - 1);
	return &m->slot[k];
}

/* Next line of [*p, end) into [*s, *e), without a '\r'; false at the end. */
static bool ct_senti_next(const char **p, const char *end, const char **s,
			  const char **e)
{
	if (*p >= end)
		return false;
	*s = *p;
	*e = memchr(*p, '\n', (size_t)(end - *p));
	if (!*e)
		*e = end;
	*p = *e < end ? *e + 1 : end;
	if (*e > *s && (*e)[-1] == '\r')
		(*e)--;
	return true;
}

/* Line [s, e) begins with w and a space: true, and s moves past them. */
static bool ct_senti_key(const char **s, const char *e, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(e - *s) <= n || memcmp(*s, w, n) != 0 || (*s)[n] != ' ')
		return false;
	*s += n + 1;
	return true;
}

/* The numbers of [s, e), separated by spaces, into v[0..n); all or -1. */
static int ct_senti_numbers(const char *s, const char *e, double *v, size_t n)
{
	char buf[96], *p, *end;
	size_t i;

	if (e - s <= 0 || (size_t)(e - s) >= sizeof(buf))
		return -1;
	memcpy(buf, s, (size_t)(e - s));
	buf[e - s] = '\0';
	p = buf;
	for (i = 0; i < n; i++) {
		v[i] = strtod(p, &end);
		if (end == p || (*end && *end != ' '))
			return -1;
		p = end;
	}
	return *p == '\0' ? 0 : -1;
}

/* The number of "w " lines of the embedded file name, or -1. */
static long ct_senti_count(const char *name)
{
	const char *p, *end, *s, *e;
	size_t len;
	long n = 0;

	p = ct_embedded_get(name, &len);
	if (!p)
		return -1;
	end = p + len;
	while (ct_senti_next(&p, end, &s, &e))
		n += e - s > 2 && s[0] == 'w' && s[1] == ' ';
	return n;
}

/* "d NAME WEIGHT" */
static int ct_senti_dense_line(struct ct_senti_linear *lin, const char *s,
			       const char *e)
{
	const char *sp = memchr(s, ' ', (size_t)(e - s));
	char buf[32];
	size_t d;

	if (!sp)
		return -1;
	for (d = 0; d < CT_D_COUNT; d++) {
		const char *name = ct_senti_dense_name(d, buf, sizeof(buf));

		if (strlen(name) == (size_t)(sp - s) &&
		    memcmp(name, s, (size_t)(sp - s)) == 0)
			return ct_senti_numbers(sp + 1, e, &lin->dense[d], 1);
	}
	return -1;
}

/* "w FEATURE WEIGHT" */
static int ct_senti_sparse_line(struct ct_senti_model *m, size_t task,
				const char *s, const char *e)
{
	const char *sp = memchr(s, ' ', (size_t)(e - s));
	struct ct_senti_feat *f;
	uint64_t h;
	double w;

	if (!sp || sp == s || ct_senti_numbers(sp + 1, e, &w, 1) < 0)
		return -1;
	h = ct_senti_fnv(CT_SENTI_FNV0, s, (size_t)(sp - s));
	f = ct_senti_slot(m, h);
	if (h == 0 || (f->hash && f->w[task] != 0.0))
		return -1; /* a duplicate, or two features with one hash */
	f->hash = h;
	f->w[task] = w;
	return 0;
}

static int ct_senti_model_file(struct ct_senti_model *m, size_t task)
{
	struct ct_senti_linear *lin = &m->lin[task];
	const char *p, *end, *s, *e;
	size_t len, lines = 0;
	bool bias = false, scalars = false;

	p = ct_embedded_get(ct_senti_files[task], &len);
	if (!p)
		return -1;
	end = p + len;
	while (ct_senti_next(&p, end, &s, &e)) {
		int rc = 0;

		if (s == e || *s == '#')
			continue;
		if (lines++ == 0) {
			rc = ct_senti_span_is(s, e, CT_SENTI_FORMAT) ? 0 : -1;
		} else if (lines == 2) {
			rc = ct_senti_span_is(s, e, ct_senti_tasks[task]) ? 0
									  : -1;
		} else if (ct_senti_key(&s, e, "w")) {
			rc = ct_senti_sparse_line(m, task, s, e);
		} else if (ct_senti_key(&s, e, "d")) {
			rc = ct_senti_dense_line(lin, s, e);
		} else if (ct_senti_key(&s, e, "bias")) {
			rc = ct_senti_numbers(s, e, &lin->bias, 1);
			bias = true;
		} else if (task == CT_TASK_SENTIMENT &&
			   ct_senti_key(&s, e, "score")) {
			double v[2] = { 0.0, 0.0 };

			rc = ct_senti_numbers(s, e, v, 2);
			lin->offset = v[0];
			lin->scale = v[1];
			scalars = rc == 0 && v[1] > 0;
		} else if (task == CT_TASK_RESOLUTION &&
			   ct_senti_key(&s, e, "resolved_min")) {
			rc = ct_senti_numbers(s, e, &lin->resolved_min, 1);
			scalars = rc == 0;
		} else if (!ct_senti_key(&s, e, "check")) {
			rc = -1;
		}
		if (rc < 0)
			return -1;
	}
	return bias && scalars ? 0 : -1;
}

static void ct_senti_model_free(struct ct_senti_model *m)
{
	if (!m)
		return;
	ct_senti_rules_free(m->rules);
	free(m->slot);
	free(m);
}

static void ct_senti_model_load(void)
{
	struct ct_senti_model *m = calloc(1, sizeof(*m));
	long na = ct_senti_count(ct_senti_files[0]);
	long nb = ct_senti_count(ct_senti_files[1]);
	size_t task;

	if (!m || na < 0 || nb < 0)
		goto out_free;
	m->nslot = 1024;
	while (m->nslot < 2 * (size_t)(na + nb))
		m->nslot *= 2;
	m->slot = calloc(m->nslot, sizeof(*m->slot));
	if (!m->slot || ct_senti_rules_load(true, &m->rules) < 0)
		goto out_free;
	for (task = 0; task < CT_TASK_COUNT; task++)
		if (ct_senti_model_file(m, task) < 0)
			goto out_free;
	ct_senti_model_ptr = m;
	return;

out_free:
	ct_senti_model_free(m);
}

const struct ct_senti_model *ct_senti_model_get(void)
{
	if (pthread_once(&ct_senti_model_once, ct_senti_model_load) != 0)
		return NULL;
	return ct_senti_model_ptr;
}

const struct ct_senti_rules *
ct_senti_model_rules(const struct ct_senti_model *m)
{
	return m->rules;
}

double ct_senti_model_resolved_min(const struct ct_senti_model *m)
{
	return m->lin[CT_TASK_RESOLUTION].resolved_min;
}

/*
 * Adds to dot[] each model's weights of the word and word-pair features of
 * the tokens of t (those kept, when kept is not NULL) in group g: each of
 * the 2n features counts 1 / sqrt(2n).
 */
static void ct_senti_ngrams(const struct ct_senti_model *m,
			    const struct ct_senti_turn *t, const bool *kept,
			    char g, double dot[CT_TASK_COUNT])
{
	const char prefix[2] = { g, ':' };
	uint64_t base = ct_senti_fnv(CT_SENTI_FNV0, prefix, 2);
	uint64_t prev = ct_senti_fnv(base, "^", 1);
	double sum[CT_TASK_COUNT] = { 0.0, 0.0 };
	size_t i, k, n = 0;

	for (i = 0; i < t->toks.n; i++) {
		const char *w = t->toks.v[i].s;
		size_t len = strlen(w);
		uint64_t h[2];

		if (kept && !kept[i])
			continue;
		n++;
		h[0] = ct_senti_fnv(base, w, len);
		h[1] = ct_senti_fnv(ct_senti_fnv(prev, "_", 1), w, len);
		prev = h[0];
		for (k = 0; k < 2; k++) {
			const struct ct_senti_feat *f = ct_senti_slot(m, h[k]);

			sum[0] += f->w[0];
			sum[1] += f->w[1];
		}
	}
	if (n == 0)
		return;
	for (k = 0; k < CT_TASK_COUNT; k++)
		dot[k] += sum[k] / sqrt(2.0 * (double)n);
}

/* What the reading of the caller's turns adds up. */
struct ct_senti_users {
	size_t m;
	double wsum, first, min, max, last;
	unsigned first_complaints, last_complaints, last_irony;
	bool irony;
	double c[CT_TASK_COUNT]; /* "C:" group, before dividing by m */
};

/*
 * Reads the caller's turn t (the m-th), growing *kept as needed; *ut gets
 * what the rules say of it.
 */
static int ct_senti_user_turn(const struct ct_senti_model *m,
			      struct ct_senti_turn *t, bool **kept,
			      size_t *kcap, struct ct_senti_users *u,
			      struct ct_senti_utterance *ut)
{
	if (t->toks.n > *kcap) {
		bool *nk = realloc(*kept, t->toks.n * sizeof(**kept));

		if (!nk)
			return -1;
		*kept = nk;
		*kcap = t->toks.n;
	}
	ct_senti_score(m->rules, t, u->m == 0, ut, *kept);
	u->m++;
	u->wsum += (double)u->m * ut->compound;
	if (u->m == 1) {
		u->first = u->min = u->max = ut->compound;
		u->first_complaints = ut->complaints;
	}
	u->min = ut->compound < u->min ? ut->compound : u->min;
	u->max = ut->compound > u->max ? ut->compound : u->max;
	u->last = ut->compound;
	u->last_complaints = ut->complaints;
	u->last_irony = ut->irony;
	u->irony = u->irony || ut->irony;
	ct_senti_ngrams(m, t, *kept, 'C', u->c);
	return 0;
}

/* The resolution facts of one turn's cues (the caller's when user). */
static void ct_senti_resolution_turn(struct ct_senti_conversation *out,
				     uint32_t cues, bool user, long at)
{
	uint32_t ask = CT_CUE_BIT(CT_CUE_HUMAN) | CT_CUE_BIT(CT_CUE_WANT) |
		       CT_CUE_BIT(CT_CUE_SHORT);
	uint32_t ok = CT_CUE_BIT(CT_CUE_THANKS) | CT_CUE_BIT(CT_CUE_SUCCESS);
	bool failed = cues & CT_CUE_BIT(CT_CUE_FAILED);

	if (!user) {
		out->handover = out->handover ||
				(cues & CT_CUE_BIT(CT_CUE_HANDOVER));
		out->la = cues;
		out->la_at = at;
		out->user_last = false;
		return;
	}
	out->user_turns++;
	if (cues & (CT_CUE_BIT(CT_CUE_HUMAN) | CT_CUE_BIT(CT_CUE_SHORT)))
		out->humans++;
	if (cues & ask) {
		out->request = true;
		out->thanked_after = false;
	} else if ((cues & ok) && !failed) {
		out->thanked_after = true;
	}
	if ((cues & CT_CUE_BIT(CT_CUE_SUCCESS)) && !failed)
		out->handover = false;
	out->lu = cues;
	out->lu_at = at;
	out->user_last = true;
}

/* The dense features of what was read. */
static void ct_senti_dense(const struct ct_senti_users *u,
			   const struct ct_senti_conversation *out,
			   double x[CT_D_COUNT])
{
	size_t c;

	memset(x, 0, CT_D_COUNT * sizeof(*x));
	if (u->m) {
		x[CT_D_WMEAN] = u->wsum / ((double)(u->m * (u->m + 1)) / 2.0);
		x[CT_D_FIRST] = u->first;
		x[CT_D_MIN] = u->min;
		x[CT_D_MAX] = u->max;
		x[CT_D_FIRST_COMPLAINT] =
			u->first_complaints > CT_SENTI_COMPLAINTS_MAX
				? CT_SENTI_COMPLAINTS_MAX : u->first_complaints;
		if (u->m > 1) {
			x[CT_D_LAST] = u->last;
			x[CT_D_LAST_COMPLAINT] =
				u->last_complaints > CT_SENTI_COMPLAINTS_MAX
					? CT_SENTI_COMPLAINTS_MAX
					: u->last_complaints;
		}
		x[CT_D_IRONY] = u->irony;
	}
	x[CT_D_M0 + (u->m > 4 ? 4 : u->m)] = 1.0;
	x[CT_D_USER_LAST] = out->user_last;
	for (c = 0; c < CT_CUE_COUNT; c++) {
		if (c < CT_CUE_HANDOVER)
			x[CT_D_CUE + c] = u->m > 1 && (out->lu & CT_CUE_BIT(c));
		else
			x[CT_D_CUE + c] = (out->la & CT_CUE_BIT(c)) != 0;
	}
}

/*
 * The conversation score of the sentiment model's raw score: its linear
 * map, clamped, then bounded by the rules.  The caller's last turn is
 * negative when it complains, is ironic or scores at most
 * CT_SENTI_NEGATIVE_TURN; then the call is negative if that turn ends it
 * or the caller asked for a human (and did not thank after).  Irony or two
 * complaints in it make the call negative anyway, and so does a caller who
 * asked for a human in two turns or more (and did not thank after): who
 * insists is not content.  (The STC-3 annotators
 * mostly rate a complaint that the helpdesk then answers politely as
 * neutral; calls to a bank rarely end that way.)
 */
static double ct_senti_score_of(const struct ct_senti_linear *lin,
				const struct ct_senti_users *u,
				const struct ct_senti_conversation *c,
				double raw)
{
	double v = (raw - lin->offset) * lin->scale;
	bool neg = u->last_irony || u->last_complaints ||
		   u->last <= CT_SENTI_NEGATIVE_TURN;

	if (u->m == 0)
		return 0.0; /* no caller: no sentiment */
	v = v < -1.0 ? -1.0 : v > 1.0 ? 1.0 : v;
	if (((neg && (c->user_last || (c->request && !c->thanked_after))) ||
	     u->last_irony || u->last_complaints >= 2 ||
	     (c->humans >= 2 && !c->thanked_after)) &&
	    v > CT_SENTI_COMPLAINT_CEILING)
		v = CT_SENTI_COMPLAINT_CEILING;
	if (u->max <= 0.0 && v > CT_SENTI_NO_PRAISE_CEILING)
		v = CT_SENTI_NO_PRAISE_CEILING;
	return v;
}

/* A turn read, with what the learned model sees of it (kept). */
struct ct_senti_read {
	struct ct_senti_turn t;
	bool *kept;
	size_t kcap;
};

int ct_senti_model_read(const struct ct_senti_model *m,
			const struct ct_turn *turns, size_t n,
			struct ct_senti_conversation *out)
{
	/* The turn being read, the caller's last and the assistant's last:
	 * their groups "L:" and "H:" are added at the end. */
	struct ct_senti_read rd[3], *cur = &rd[0], *lu = &rd[1], *la = &rd[2];
	struct ct_senti_users u;
	double x[CT_D_COUNT], raw[CT_TASK_COUNT] = { 0.0, 0.0 };
	size_t i, k;
	int rc = -1;

	memset(rd, 0, sizeof(rd));
	memset(out, 0, sizeof(*out));
	memset(&u, 0, sizeof(u));
	out->lu_at = out->la_at = -1;
	for (i = 0; i < n; i++) {
		bool user = turns[i].speaker == CT_SPEAKER_USER;
		struct ct_senti_utterance ut = { 0 };
		struct ct_senti_read *done;
		uint32_t cues;

		if (!user && turns[i].speaker != CT_SPEAKER_ASSISTANT)
			continue;
		if (ct_senti_turn_read(m->rules, turns[i].text, turns[i].len,
				       &cur->t) < 0)
			goto out_free;
		if (cur->t.toks.n == 0)
			continue;
		if (user && ct_senti_user_turn(m, &cur->t, &cur->kept,
					       &cur->kcap, &u, &ut) < 0)
			goto out_free;
		out->complaints += ut.complaints;
		out->irony += ut.irony != 0;
		cues = ct_senti_cues(m->rules, &cur->t, user);
		if (ut.irony) /* its thanks and praise say it did not work */
			cues &= ~(CT_CUE_BIT(CT_CUE_THANKS) |
				  CT_CUE_BIT(CT_CUE_SUCCESS));
		if (ut.irony || ut.complaints)
			cues |= CT_CUE_BIT(CT_CUE_FAILED);
		ct_senti_resolution_turn(out, cues, user, (long)i);
		done = cur;
		if (user) {
			cur = lu;
			lu = done;
		} else {
			cur = la;
			la = done;
		}
	}
	for (k = 0; k < CT_TASK_COUNT; k++)
		raw[k] = u.m ? u.c[k] / (double)u.m : 0.0;
	if (u.m > 1)
		ct_senti_ngrams(m, &lu->t, lu->kept, 'L', raw);
	if (out->la_at >= 0)
		ct_senti_ngrams(m, &la->t, NULL, 'H', raw);
	ct_senti_dense(&u, out, x);
	for (k = 0; k < CT_TASK_COUNT; k++) {
		size_t d;

		raw[k] += m->lin[k].bias;
		for (d = 0; d < CT_D_COUNT; d++)
			raw[k] += m->lin[k].dense[d] * x[d];
	}
	out->sentiment = raw[CT_TASK_SENTIMENT];
	out->resolved = raw[CT_TASK_RESOLUTION];
	out->score = ct_senti_score_of(&m->lin[CT_TASK_SENTIMENT], &u, out,
				       out->sentiment);
	rc = 0;

out_free:
	if (rc < 0) {
		memset(out, 0, sizeof(*out));
		out->lu_at = out->la_at = -1;
	}
	for (k = 0; k < 3; k++) {
		free(rd[k].kept);
		ct_senti_turn_free(&rd[k].t);
	}
	return rc;
}

int ct_senti_model_checks(void (*fn)(void *arg, const char *file,
				     const char *line, size_t len),
			  void *arg)
{
	size_t task;
	int n = 0;

	for (task = 0; task < CT_TASK_COUNT; task++) {
		const char *p, *end, *s, *e;
		size_t len;

		p = ct_embedded_get(ct_senti_files[task], &len);
		if (!p)
			return -1;
		end = p + len;
		while (ct_senti_next(&p, end, &s, &e)) {
			if (!ct_senti_key(&s, e, "check"))
				continue;
			fn(arg, ct_senti_files[task], s, (size_t)(e - s));
			n++;
		}
	}
	return n;
}
