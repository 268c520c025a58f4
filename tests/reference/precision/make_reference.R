# Reference values for mentorassess.stats.precision (R is never a runtime or test dependency:
# the tests read reference.json and the CSVs this folder holds).
#
#   PYTHONPATH=$PWD python tests/reference/precision/make_inputs.py   # from the worktree root
#   cd tests/reference/precision && Rscript make_reference.R
#
# Inputs: sim_nested.csv, sim_prepost.csv, sample_long.csv, sample_scores.csv (make_inputs.py);
#         public data written here first and then read back: lq2002.csv (multilevel::lq2002:
#         COMPID, SUB, LEAD01..LEAD11, 5-point), sleepstudy.csv (lme4::sleepstudy).
# Output: reference.json (versions in $versions). All lmer fits use REML with tight bobyqa
# settings (lme4's default nloptwrap differs by up to ~1e-5 on unbalanced data).
options(digits = 16)
suppressMessages({library(lme4); library(lmerTest); library(multilevel); library(jsonlite)})
ctl <- lmerControl(optimizer = "bobyqa", optCtrl = list(rhoend = 2e-10, maxfun = 1e5),
                   check.conv.singular = "ignore")
out <- list(versions = list(R = R.version.string, lme4 = as.character(packageVersion("lme4")),
                            lmerTest = as.character(packageVersion("lmerTest")),
                            multilevel = as.character(packageVersion("multilevel"))))

vc <- function(fit) { v <- as.data.frame(VarCorr(fit)); setNames(as.list(v$vcov), v$grp) }
gfit <- function(d) {
  d$mentor <- factor(d$mentor); d$rater <- factor(d$rater); d$item <- factor(d$item)
  f <- lme4::lmer(score ~ 1 + (1|mentor) + (1|mentor:rater) + (1|item) + (1|mentor:item), d, REML = TRUE,
                  control = ctl)
  c(vc(f), list(mean = unname(fixef(f)[1]), reml = unname(REMLcrit(f))))
}
ebfit <- function(d) {
  d$mentor <- factor(d$mentor)
  f <- lme4::lmer(score ~ 1 + (1|mentor), d, REML = TRUE, control = ctl)
  r <- ranef(f, condVar = TRUE)$mentor
  list(mentor = rownames(r), blup = r[, 1], cond_sd = sqrt(attr(r, "postVar")[1, 1, ]),
       mu = unname(fixef(f)[1]), tau2 = vc(f)$mentor, sigma2 = sigma(f)^2)
}
ppfit <- function(d, rater) {
  d$mentor <- factor(d$mentor); d$rater <- factor(paste(d$mentor, d$rater)); d$wave <- as.numeric(d$wave == "post")
  fm <- if (rater) score ~ wave + (1|mentor) + (1|mentor:rater) else score ~ wave + (1|mentor)
  f <- lmerTest::lmer(fm, d, REML = TRUE, control = ctl)
  co <- summary(f, ddf = "Satterthwaite")$coefficients
  c(list(estimate = co["wave", "Estimate"], se = co["wave", "Std. Error"], df = co["wave", "df"],
         t = co["wave", "t value"], p = co["wave", "Pr(>|t|)"], intercept = co["(Intercept)", "Estimate"]), vc(f))
}
rcifit <- function(d) {   # Jacobson & Truax with ICC(1,k); model-based with MS_within
  pre <- d[d$wave == "pre", ]; post <- d[d$wave == "post", ]
  pre$mentor <- factor(pre$mentor)
  icc <- multilevel::ICC1(aov(score ~ mentor, pre))
  msw <- summary(aov(score ~ mentor, pre))[[1]][2, 3]
  m1 <- tapply(pre$score, pre$mentor, mean); k1 <- tapply(pre$score, pre$mentor, length)
  m2 <- tapply(post$score, post$mentor, mean); k2 <- tapply(post$score, post$mentor, length)
  sd1 <- sd(m1); both <- intersect(names(m1), names(m2))
  rk <- k1[both] * icc / (1 + (k1[both] - 1) * icc)
  diff <- m2[both] - m1[both]
  list(icc1 = icc, ms_within = msw, sd_pre_means = sd1, mentor = both,
       rc = unname(diff / (sqrt(2) * sd1 * sqrt(1 - rk))),
       rc_model = unname(diff / sqrt(msw / k1[both] + msw / k2[both])))
}

# 1. The balanced G example of the reference notes and its unbalanced version.
g <- "655 544 665 555 555 565 444 554 455 555 655 644"
G <- data.frame(mentor = rep(1:4, each = 9), rater = rep(1:12, each = 3), item = rep(1:3, 12),
                score = as.numeric(unlist(strsplit(gsub(" ", "", g), ""))))
a <- anova(lm(score ~ factor(mentor) + factor(mentor):factor(rater) + factor(item) + factor(mentor):factor(item),
              transform(G, rater = rep(rep(1:3, each = 3), 4))))
out$g_balanced <- c(gfit(G), list(ms = a[["Mean Sq"]], df = a[["Df"]]))
out$g_unbalanced <- gfit(subset(G, !(rater %in% c(3, 9)) & !(rater == 12 & item == 3)))

# 2. Simulated unbalanced nested data.
sim <- read.csv("sim_nested.csv", stringsAsFactors = FALSE)
out$g_sim <- gfit(sim)

# 3. Public: multilevel::lq2002, leadership items nested in companies (raters = soldiers).
data(lq2002, package = "multilevel")
write.csv(lq2002[c("COMPID", "SUB", sprintf("LEAD%02d", 1:11))], "lq2002.csv", row.names = FALSE)
lq <- read.csv("lq2002.csv")
lql <- reshape(lq, direction = "long", varying = sprintf("LEAD%02d", 1:11), v.names = "score",
               timevar = "item", idvar = "SUB")
names(lql)[names(lql) == "COMPID"] <- "mentor"; names(lql)[names(lql) == "SUB"] <- "rater"
out$g_lq2002 <- gfit(lql)
items <- lq[sprintf("LEAD%02d", 1:11)]
nulls5 <- c(uniform = 2, slight_skew = 1.34, moderate_skew = 0.90, heavy_skew = 0.44, triangular = 1.32,
            normal = 1.04)
out$rwg_lq2002 <- lapply(as.list(nulls5), function(v) rwg(lq$LEAD01, lq$COMPID, ranvar = v)$rwg)
out$rwgj_lq2002 <- lapply(as.list(nulls5), function(v) rwg.j(items, lq$COMPID, ranvar = v)$rwg.j)
out$awg_lq2002_item <- awg(lq$LEAD01, lq$COMPID, range = c(1, 5))$a.wg
out$awg_lq2002_items <- awg(items, lq$COMPID, range = c(1, 5))$a.wg
out$lq2002_groups <- rwg(lq$LEAD01, lq$COMPID)$grpid
# the worked rwg/awg examples of the reference notes
X <- data.frame(a = c(5, 6, 4, 5, 6), b = c(6, 6, 5, 5, 7), c = c(4, 6, 5, 5, 6))
out$awg_examples <- list(a1 = awg(c(6, 7, 6, 5, 7), rep(1, 5), range = c(1, 7))$a.wg,
                         a2 = awg(c(5, 6, 4, 5, 6), rep(1, 5), range = c(1, 7))$a.wg,
                         aj = awg(X, rep(1, 5), range = c(1, 7))$a.wg,
                         rwgj = rwg.j(X, rep(1, 5), ranvar = 2.14)$rwg.j)

# 4. Public: lme4::sleepstudy. EB scores of Reaction (subjects as mentors); day 0 vs day 9 as pre/post.
write.csv(sleepstudy, "sleepstudy.csv", row.names = FALSE)
ss <- read.csv("sleepstudy.csv")
out$eb_sleep <- ebfit(data.frame(mentor = ss$Subject, score = ss$Reaction))
s09 <- subset(ss, Days %in% c(0, 9))
out$pp_sleep <- ppfit(data.frame(mentor = s09$Subject, rater = 1, wave = ifelse(s09$Days == 0, "pre", "post"),
                                 score = s09$Reaction), rater = FALSE)

# 5. Simulated pre/post: EB on pre, mentor-only and rater models, RCI.
pp <- read.csv("sim_prepost.csv", stringsAsFactors = FALSE)
out$eb_sim <- ebfit(pp[pp$wave == "pre", ])
out$pp_sim <- ppfit(pp, rater = FALSE)
out$pp_sim_rater <- ppfit(pp, rater = TRUE)
out$rci_sim <- rcifit(pp)

# 6. The package's sample (mentee form): G-study per wave and scale, EB, pre/post, RCI.
sl <- read.csv("sample_long.csv", stringsAsFactors = FALSE)
ssc <- read.csv("sample_scores.csv", stringsAsFactors = FALSE)
scales <- c("communication", "expectations", "understanding", "independence", "diversity",
            "professional_development", "overall")
out$sample <- list()
for (s in scales) {
  r <- list()
  for (w in c("pre", "post")) {
    r[[paste0("g_", w)]] <- gfit(sl[sl$scale == s & sl$wave == w, c("mentor", "rater", "item", "score")])
    x <- ssc[ssc$wave == w & !is.na(ssc[[s]]), ]
    r[[paste0("eb_", w)]] <- ebfit(data.frame(mentor = x$mentor_id, score = x[[s]]))
  }
  x <- ssc[!is.na(ssc[[s]]), ]
  d <- data.frame(mentor = x$mentor_id, rater = x$rater_id, wave = x$wave, score = x[[s]])
  r$pp <- ppfit(d, rater = FALSE)
  r$pp_rater <- ppfit(d, rater = TRUE)
  r$rci <- rcifit(d)
  out$sample[[s]] <- r
}
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), "reference.json")
