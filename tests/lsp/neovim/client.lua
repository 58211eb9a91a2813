-- Drives Neovim's built-in LSP client against `iiprules lsp` (see test_neovim.py).
-- Opens a ruleset, waits for its diagnostics, asks for a definition and a hover,
-- types a wrong id and waits for the diagnostic about it; writes every answer as
-- JSON to $IIP_OUT and quits. Uses only the API of Neovim 0.7 (Debian 12's).
local file = os.getenv("IIP_FILE")
local out = os.getenv("IIP_OUT")
local line = tonumber(os.getenv("IIP_LINE"))
local col = tonumber(os.getenv("IIP_COL"))
local cmd = vim.fn.json_decode(os.getenv("IIP_CMD"))
local results = { steps = {} }
local published = 0
local last = nil

local function finish()
  local f = assert(io.open(out, "w"))
  f:write(vim.fn.json_encode(results))
  f:close()
  vim.cmd("qa!")
end

local ok, err = pcall(function()
  vim.cmd("edit " .. vim.fn.fnameescape(file))
  local bufnr = vim.api.nvim_get_current_buf()
  local client_id = vim.lsp.start_client({
    name = "iiprules",
    cmd = cmd,
    root_dir = vim.fn.fnamemodify(file, ":p:h:h"),
    flags = { debounce_text_changes = 20 },
    handlers = {
      ["textDocument/publishDiagnostics"] = function(e, result, ctx, config)
        if result.uri == vim.uri_from_bufnr(bufnr) then
          published = published + 1
          last = result.diagnostics
        end
        vim.lsp.diagnostic.on_publish_diagnostics(e, result, ctx, config)
      end,
    },
  })
  vim.lsp.buf_attach_client(bufnr, client_id)
  results.steps.diagnostics_arrived = vim.wait(60000, function() return published > 0 end, 20)
  results.diagnostics = last

  local client = vim.lsp.get_client_by_id(client_id)
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    position = { line = line, character = col },
  }
  local resp = client.request_sync("textDocument/definition", params, 20000, bufnr)
  results.definition = resp and resp.result
  resp = client.request_sync("textDocument/hover", params, 20000, bufnr)
  results.hover = resp and resp.result

  -- Type a wrong id over the one under the cursor: the client sends the change.
  local before = published
  vim.api.nvim_buf_set_text(bufnr, line, col, line, col + 4, { "W4.1x" })
  results.steps.typed_diagnostics_arrived = vim.wait(60000, function()
    return published > before and last ~= nil and #last > 0
  end, 20)
  results.typed_diagnostics = last
  results.diagnostics_in_neovim = #vim.diagnostic.get(bufnr)
  vim.lsp.stop_client(client_id)
end)
if not ok then
  results.error = tostring(err)
end
finish()
