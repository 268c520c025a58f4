# Reference values for mentorassess.stats.precision.released (issue 21): lme4 / lmerTest fitted to
# the raw mentee ratings behind the sample's released means (released_ratings.csv, written by
# make_released_inputs.py). Output: released.json. R is never a runtime or test dependency.
#
#   cd tests/reference/precision/released && Rscript make_reference.R
options(digits = 16)
suppressMessages({library(lme4); library(lmerTest); library(jsonlite)})
ctl <- lmerControl(optimizer = "bobyqa", optCtrl = list(rhoend = 2e-10, maxfun = 1e5),
                   check.conv.singular = "ignore")
d <- read.csv("released_ratings.csv", stringsAsFactors = FALSE)
out <- list(versions = list(R = R.version.string, lme4 = as.character(packageVersion("lme4")),
                            lmerTest = as.character(packageVersion("lmerTest"))),
            eb = list(), change = list())
for (s in unique(d$competency)) {
  for (w in c("pre", "post")) {
    x <- d[d$competency == s & d$wave == w, ]
    x$mentor <- factor(x$mentor)
    f <- lme4::lmer(score ~ 1 + (1 | mentor), x, REML = TRUE, control = ctl)
    r <- ranef(f, condVar = TRUE)$mentor
    v <- as.data.frame(VarCorr(f))
    out$eb[[paste(w, s, sep = "/")]] <- list(
      mentor = rownames(r), eb_score = unname(fixef(f)[1]) + r[, 1], cond_sd = sqrt(attr(r, "postVar")[1, 1, ]),
      mu = unname(fixef(f)[1]), tau2 = v$vcov[v$grp == "mentor"], sigma2 = sigma(f)^2)
  }
  x <- d[d$competency == s, ]
  both <- intersect(x$mentor[x$wave == "pre"], x$mentor[x$wave == "post"])
  x <- x[x$mentor %in% both, ]
  x$mentor <- factor(x$mentor); x$post <- as.numeric(x$wave == "post")
  f <- lmerTest::lmer(score ~ post + (1 | mentor), x, REML = TRUE, control = ctl)
  co <- summary(f, ddf = "Satterthwaite")$coefficients
  v <- as.data.frame(VarCorr(f))
  est <- co["post", "Estimate"]; se <- co["post", "Std. Error"]; df <- co["post", "df"]
  q <- qt(0.975, df)
  out$change[[s]] <- list(n_mentors = length(both), estimate = est, se = se, df = df, p = co["post", "Pr(>|t|)"],
                          ci_low = est - q * se, ci_high = est + q * se,
                          tau2 = v$vcov[v$grp == "mentor"], sigma2 = sigma(f)^2,
                          d_total = est / sqrt(sum(v$vcov)))
}
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), "released.json")
