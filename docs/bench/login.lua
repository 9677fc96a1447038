-- wrk script: sign in as the demo FSA administrator (form POST, same-origin).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Sec-Fetch-Site"] = "same-origin"
wrk.body = "login=fsa-admin&password=" .. os.getenv("DW_PASSWORD")
