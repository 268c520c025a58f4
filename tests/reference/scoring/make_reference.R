# Reference values for mentorassess scoring, agreement and change (R is never a runtime or test
# dependency: the tests read the files this script writes).
#
#   cd tests/reference/scoring && Rscript make_reference.R
#
# Inputs read:  sample_responses.csv  (mentorassess.sample.generate(seed=20261125, n_mentors=40),
#                                      ids + items mca01..mca26, blank = missing)
# Inputs written then read (public data from psych, so the Python tests use the same rows):
#               bfi_items.csv (psych::bfi rows 1..800, items A1..O5), sat_act.csv (psych::sat.act)
# Outputs:      reference.json, scoreitems_sample.csv, scoreitems_bfi.csv
# Versions used are stored in reference.json ($versions).
options(digits = 16)
suppressMessages({library(psych); library(jsonlite); library(multilevel)})

out <- list()
d <- read.csv("sample_responses.csv", stringsAsFactors = FALSE)
blocks <- list(communication = sprintf("mca%02d", 1:6), expectations = sprintf("mca%02d", 7:11),
               understanding = sprintf("mca%02d", 12:14), independence = sprintf("mca%02d", 15:19),
               diversity = sprintf("mca%02d", 20:21), professional_development = sprintf("mca%02d", 22:26))
items <- unlist(blocks, use.names = FALSE)

# 1. scoreItems, impute = "none": mean of the answered items (no minimum).
sc <- scoreItems(blocks, d[items], impute = "none", totals = FALSE)$scores
write.csv(data.frame(response_id = d$response_id, sc), "scoreitems_sample.csv", row.names = FALSE)

write.csv(bfi[1:800, 1:25], "bfi_items.csv", row.names = FALSE)
b <- read.csv("bfi_items.csv")
sb <- scoreItems(bfi.keys[1:5], b, impute = "none", totals = FALSE, min = 1, max = 6)$scores
write.csv(data.frame(row = seq_len(nrow(b)), sb), "scoreitems_bfi.csv", row.names = FALSE)

# Competency scores with the package's min-answered rule (answered / items >= .5), overall too.
rule_scores <- function(x) {
  s <- sapply(names(blocks), function(nm) {
    v <- x[blocks[[nm]]]
    m <- rowMeans(v, na.rm = TRUE)
    m[rowSums(!is.na(v)) / ncol(v) < 0.5] <- NA
    m
  })
  o <- rowMeans(x[items], na.rm = TRUE)
  o[rowSums(!is.na(x[items])) / length(items) < 0.5] <- NA
  data.frame(s, overall = o)
}
scored <- cbind(d[c("response_id", "mentor_id", "rater_role", "wave", "rater_id")], d[items], rule_scores(d))
vars <- c(items, names(blocks), "overall")

# 2. statsBy ICC1/ICC2 (mentees nested in mentors, unbalanced), per wave.
icc_out <- function(s, v) {
  list(ICC1 = unname(s$ICC1[v]), ICC2 = unname(s$ICC2[v]), F = unname(s$F[v]),
       ci1_low = unname(s$ci1[v, 1]), ci1_high = unname(s$ci1[v, 2]),
       ci2_low = unname(s$ci2[v, 1]), ci2_high = unname(s$ci2[v, 2]), vars = v)
}
for (w in c("pre", "post")) {
  m <- scored[scored$rater_role == "mentee" & scored$wave == w, ]
  m$g <- as.integer(factor(m$mentor_id))
  s <- statsBy(m[c("g", vars)], group = "g")
  out[[paste0("statsby_", w)]] <- icc_out(s, vars)
}
toy <- data.frame(mentor = rep(c("m1", "m2", "m3", "m4", "m5"), times = 1:5),
                  y = c(5, 6, 7, 4, 5, 5, 6, 6, 7, 7, 3, 4, 4, 5, NA),
                  z = c(4, 5, 5, 5, 5, 6, 7, 6, 7, 6, 4, 4, 5, 5, 5))
write.csv(toy, "statsby_toy.csv", row.names = FALSE)
out$statsby_toy <- icc_out(statsBy(toy, group = "mentor"), c("y", "z"))
write.csv(sat.act, "sat_act.csv", row.names = FALSE)
sa <- read.csv("sat_act.csv")
out$statsby_sat_act <- icc_out(statsBy(sa[c("education", "ACT", "SATV", "SATQ")], group = "education"),
                               c("ACT", "SATV", "SATQ"))

# 3. Shrout & Fleiss 6 x 4, psych::ICC(lmer = FALSE).
sf <- matrix(c(9, 2, 5, 8, 6, 1, 3, 2, 8, 4, 6, 8, 7, 1, 2, 6, 10, 5, 6, 9, 6, 2, 4, 7), ncol = 4, byrow = TRUE)
r <- ICC(sf, lmer = FALSE)$results
out$icc_sf <- list(type = as.character(r$type), ICC = r$ICC, F = r$F, df1 = r$df1, df2 = r$df2, p = r$p,
                   lower = r[["lower bound"]], upper = r[["upper bound"]])

# 4. Paired change, post vs pre: self paired by mentor, mentee by mentor + rater.
#    Wilcoxon on differences rounded to 9 decimals (floating means would break exact ties).
pair <- function(role, keys) {
  pre <- scored[scored$rater_role == role & scored$wave == "pre", ]
  post <- scored[scored$rater_role == role & scored$wave == "post", ]
  mm <- merge(pre, post, by = keys, suffixes = c(".pre", ".post"))
  res <- list()
  for (v in c(names(blocks), "overall")) {
    x <- mm[[paste0(v, ".post")]]; y <- mm[[paste0(v, ".pre")]]
    ok <- !is.na(x) & !is.na(y); x <- x[ok]; y <- y[ok]
    tt <- t.test(x, y, paired = TRUE)
    dd <- round(x - y, 9)
    ww <- suppressWarnings(wilcox.test(dd, mu = 0))
    res[[v]] <- list(n = length(x), t = unname(tt$statistic), df = unname(tt$parameter), p = tt$p.value,
                     mean_diff = unname(tt$estimate), ci_low = tt$conf.int[1], ci_high = tt$conf.int[2],
                     V = unname(ww$statistic), wilcox_p = ww$p.value,
                     d_z = mean(x - y) / sd(x - y))
  }
  res
}
out$change_self <- pair("self", "mentor_id")
out$change_mentee <- pair("mentee", c("mentor_id", "rater_id"))
# Welch (unpaired) mentee overall, pre vs post, all responses.
pre_o <- scored$overall[scored$rater_role == "mentee" & scored$wave == "pre"]
post_o <- scored$overall[scored$rater_role == "mentee" & scored$wave == "post"]
wt <- t.test(post_o, pre_o)
out$welch_mentee_overall <- list(t = unname(wt$statistic), df = unname(wt$parameter), p = wt$p.value,
                                 ci_low = wt$conf.int[1], ci_high = wt$conf.int[2])
pre_t <- c(120, 135, 110, 142, 128, 131, 118, 125, 139, 122, 130, 127)
post_t <- c(128, 139, 118, 141, 135, 131, 126, 133, 140, 130, 138, 129)
tt <- t.test(post_t, pre_t, paired = TRUE); ww <- suppressWarnings(wilcox.test(post_t, pre_t, paired = TRUE))
out$paired_toy <- list(pre = pre_t, post = post_t, t = unname(tt$statistic), df = unname(tt$parameter),
                       p = tt$p.value, ci_low = tt$conf.int[1], ci_high = tt$conf.int[2],
                       V = unname(ww$statistic), wilcox_p = ww$p.value)
ex <- wilcox.test(c(1.5, 2.25, -0.5, 3, 4.75, 0.25, -1.25, 2), mu = 0)   # exact (no ties, no zeros)
out$wilcox_exact <- list(x = c(1.5, 2.25, -0.5, 3, 4.75, 0.25, -1.25, 2), V = unname(ex$statistic), p = ex$p.value)

# 5. rwg / rwg(j) (multilevel), uniform null for 7 options (ranvar = 4), mentee pre.
m <- scored[scored$rater_role == "mentee" & scored$wave == "pre", ]
r1 <- rwg(m$mca01, m$mentor_id, ranvar = 4)
rj <- rwg.j(m[blocks$communication], m$mentor_id, ranvar = 4)
out$rwg_mca01 <- list(grpid = as.character(r1$grpid), rwg = r1$rwg, gsize = r1$gsize)
out$rwgj_communication <- list(grpid = as.character(rj$grpid), rwg_j = rj$rwg.j, gsize = rj$gsize)
out$rwg_toy <- list(rwg = rwg(c(6, 7, 6, 5, 7), rep(1, 5), ranvar = 4)$rwg,
                    rwg_j = rwg.j(data.frame(a = c(6, 7, 6, 5, 7), b = c(5, 6, 6, 5, 7), c = c(7, 7, 6, 6, 7)),
                                  rep(1, 5), ranvar = 4)$rwg.j)

out$versions <- list(R = R.version.string, psych = as.character(packageVersion("psych")),
                     multilevel = as.character(packageVersion("multilevel")))
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null"), "reference.json")
