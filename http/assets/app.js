// The page script: language switch, upload with progress, results table, SVG charts, the
// working behind each figure and the results-workbook download. Plain JavaScript with no
// dependencies, so the binary can serve the whole page offline.
'use strict';

(function () {
  // ---------------------------------------------------------------- texts

  // Every text on the page, in both languages. Elements carry `data-i18n="key"`; text built
  // by this script goes through `t(key)`.
  const TEXTS = {
    en: {
      skip: 'Skip to the content',
      title: 'Greenlight',
      tagline: 'Green-finance project appraisal',
      language: 'Language',
      templates_heading: '1. Download the template',
      templates_help: 'Fill in one row per project and its yearly lines, in either language.',
      template_en: 'Template in English (xlsx)',
      template_zh: 'Template in Chinese (xlsx)',
      upload_heading: '2. Upload the workbook',
      file_label: 'Project workbook (.xlsx) or project file (.json)',
      file_help: 'The file is appraised and not kept.',
      submit: 'Appraise',
      results_heading: 'Results',
      download_results: 'Download the results workbook',
      results_help: "Amounts in each project's currency, rounded to 2 decimal places for display.",
      results_caption: 'Appraisal of each project',
      col_id: 'Project',
      col_npv: 'Financial NPV',
      col_irr: 'IRR',
      col_payback: 'Payback (years)',
      col_enpv: 'Economic NPV',
      col_abatement: 'Lifetime abatement (tCO2e)',
      col_cost_per_t: 'Cost per tonne (per tCO2e)',
      col_verdicts: 'Green-bond eligibility',
      chart_cashflow_caption: 'Cumulative cash flow per project (undiscounted)',
      chart_mac_caption: 'Marginal abatement cost curve of the portfolio: bar width is lifetime abatement, height the levelised cost per tonne',
      working_heading: 'The working behind the figures',
      sensitivity_heading: 'Sensitivity of the NPV',
      sensitivity_help: 'For each project with a sensitivity analysis: the switching value is the change of all the flows of a category that brings the financial NPV to zero; the elasticity is the change of the NPV, in percent, per 1 % change of the category.',
      sensitivity_caption: '{id} — {name}: financial NPV, each category changed by ±{v}',
      sensitivity_caption_economic: '{id} — {name}: economic NPV, each category and benefit changed by ±{v}',
      col_category: 'Cash-flow category',
      col_switching: 'Switching value',
      col_elasticity: 'Elasticity',
      col_npv_down: 'NPV, category lower',
      col_npv_up: 'NPV, category higher',
      footer: 'Greenlight appraisal engine. Figures are computed exactly and rounded only for display.',
      api_reference: 'API reference',
      no_file: 'Choose a file to appraise first.',
      unsupported_file: 'The file must be an Excel workbook (.xlsx) or a project file (.json).',
      invalid_json_file: 'The project file is not valid JSON',
      uploading: 'Uploading…',
      uploading_pct: 'Uploading… {pct} %',
      appraising: 'Appraising…',
      done: 'Appraised {n} project(s).',
      done_with_errors: 'Appraised {n} project(s); {e} could not be appraised.',
      done_with_problems: 'Appraised {n} project(s); the workbook has {p} problem(s), listed above the results.',
      failed: 'The appraisal failed.',
      network_error: 'The service could not be reached. Check the connection and try again.',
      bad_answer: 'The service answered with something that is not an appraisal.',
      answer_cut: 'The answer was cut off before its end.',
      answer_cut_detail: 'The service began answering, then found a problem it could not put in the answer (for example a cell beyond the limits late in the workbook). Nothing is shown, since nothing received is complete; the service log names the problem under this request id.',
      error_code: 'Code',
      error_location: 'Location',
      error_request: 'Request id',
      preparing_download: 'Preparing the results workbook…',
      downloaded: 'The results workbook has been downloaded.',
      not_a_workbook: 'The service did not answer with a workbook.',
      irr_multiple: 'one of {n} rates',
      no_irr: 'No IRR',
      never_paid_back: 'Not paid back',
      turns_negative_later: 'turns negative later',
      not_assessed: 'not assessed',
      not_abating: 'Does not abate',
      no_emissions: 'no emissions data',
      project_errors: 'Could not be appraised:',
      workbook_problems: 'Problems in the workbook ({n}); the projects concerned are left out of the results:',
      whole_file: 'the whole file',
      verdict_eligible: 'eligible',
      verdict_not_eligible: 'not eligible',
      verdict_insufficient_data: 'insufficient data',
      verdict_needs_review: 'needs review',
      no_eligibility: 'not judged',
      tax_cn: 'China Green Bond Endorsed Projects Catalogue (2021)',
      tax_eu: 'EU Taxonomy',
      tax_cbi: 'Climate Bonds Initiative',
      tax_cgt: 'Common Ground Taxonomy',
      tax_icma: 'ICMA Green Bond Principles',
      clauses: 'Clauses',
      disagreements: 'Where the taxonomies disagree',
      axis_year: 'Year',
      axis_cumulative: 'Cumulative net cash flow',
      axis_tonnes: 'Cumulative lifetime abatement (tCO2e)',
      axis_cost_per_t: 'Cost per tonne (per tCO2e)',
      chart_cashflow_title: 'Cumulative cash flow per project',
      chart_cashflow_desc: '{id}: from {from} {cur} in {y0} to {to} {cur} in {y1}.',
      chart_cashflow_none: 'No project could be appraised, so there is no cash flow to draw.',
      chart_mac_title: 'Marginal abatement cost curve',
      chart_mac_desc: '{id}: {cost} {cur} per tCO2e over {tonnes} tCO2e.',
      chart_mac_none: 'No project reports emissions abatement, so there is no curve.',
      chart_mac_excluded: 'Without a bar:',
      mixed_currencies: 'Note: the projects use different currencies ({list}); the lines share one axis but are not converted.',
      working_summary: '{id} — {name}: {n} steps',
      no_working: 'The working was not returned for this project.',
      formula: 'Formula',
      inputs: 'Inputs',
      input_name: 'Input',
      input_value: 'Value',
      input_unit: 'Unit',
      input_source: 'Source',
      result: 'Result',
      note: 'Note'
    },
    zh: {
      skip: '跳到正文',
      title: 'Greenlight 绿色项目评估',
      tagline: '绿色金融项目评估',
      language: '语言',
      templates_heading: '1. 下载模板',
      templates_help: '每个项目填写一行并填写其逐年数据，中英文模板均可。',
      template_en: '英文模板（xlsx）',
      template_zh: '中文模板（xlsx）',
      upload_heading: '2. 上传工作簿',
      file_label: '项目工作簿（.xlsx）或项目文件（.json）',
      file_help: '文件仅用于本次评估，不会保存。',
      submit: '开始评估',
      results_heading: '评估结果',
      download_results: '下载结果工作簿',
      results_help: '金额以各项目的币种表示，显示时保留两位小数。',
      results_caption: '各项目评估结果',
      col_id: '项目',
      col_npv: '财务净现值',
      col_irr: '内部收益率',
      col_payback: '投资回收期（年）',
      col_enpv: '经济净现值',
      col_abatement: '全生命期减排量（吨二氧化碳当量）',
      col_cost_per_t: '单位减排成本（每吨二氧化碳当量）',
      col_verdicts: '绿色债券合格性',
      chart_cashflow_caption: '各项目累计现金流（未折现）',
      chart_mac_caption: '项目组合的边际减排成本曲线：柱宽为全生命期减排量，柱高为平准化单位减排成本',
      working_heading: '各项数值的计算过程',
      sensitivity_heading: '财务净现值敏感性分析',
      sensitivity_help: '对做了敏感性分析的项目：临界点是使财务净现值降为零的该类现金流全部流量的相对变化；敏感度系数是该类现金流变化 1% 时净现值变化的百分数。',
      sensitivity_caption: '{id} — {name}：财务净现值，各类现金流变化 ±{v}',
      sensitivity_caption_economic: '{id} — {name}：经济净现值，各类现金流与经济效益变化 ±{v}',
      col_category: '现金流类别',
      col_switching: '临界点',
      col_elasticity: '敏感度系数',
      col_npv_down: '该类减少时净现值',
      col_npv_up: '该类增加时净现值',
      footer: 'Greenlight 评估引擎。数值按精确小数计算，仅在显示时四舍五入。',
      api_reference: 'API 参考',
      no_file: '请先选择要评估的文件。',
      unsupported_file: '文件须为 Excel 工作簿（.xlsx）或项目文件（.json）。',
      invalid_json_file: '项目文件不是有效的 JSON',
      uploading: '正在上传…',
      uploading_pct: '正在上传… {pct}%',
      appraising: '正在评估…',
      done: '已评估 {n} 个项目。',
      done_with_errors: '已评估 {n} 个项目，其中 {e} 个无法评估。',
      done_with_problems: '已评估 {n} 个项目；工作簿中有 {p} 处问题，列于结果上方。',
      failed: '评估失败。',
      network_error: '无法连接服务，请检查网络后重试。',
      bad_answer: '服务返回的内容不是评估结果。',
      answer_cut: '回答在结束前被中断。',
      answer_cut_detail: '服务已开始回答，随后发现了无法写入回答的问题（例如工作簿后部有超出限制的单元格）。收到的内容不完整，因此不予显示；服务日志在此请求编号下记录了该问题。',
      error_code: '代码',
      error_location: '位置',
      error_request: '请求编号',
      preparing_download: '正在生成结果工作簿…',
      downloaded: '结果工作簿已下载。',
      not_a_workbook: '服务返回的不是工作簿。',
      irr_multiple: '共 {n} 个解之一',
      no_irr: '无内部收益率',
      never_paid_back: '无法回收',
      turns_negative_later: '之后转为负值',
      not_assessed: '未评估',
      not_abating: '无减排',
      no_emissions: '无排放数据',
      project_errors: '无法评估：',
      workbook_problems: '工作簿中有 {n} 处问题，相关项目未列入结果：',
      whole_file: '整个文件',
      verdict_eligible: '符合',
      verdict_not_eligible: '不符合',
      verdict_insufficient_data: '数据不足',
      verdict_needs_review: '需人工审核',
      no_eligibility: '未判定',
      tax_cn: '《绿色债券支持项目目录（2021年版）》',
      tax_eu: '欧盟分类法',
      tax_cbi: '气候债券倡议组织',
      tax_cgt: '中欧《共同分类目录》',
      tax_icma: '国际资本市场协会《绿色债券原则》',
      clauses: '条款',
      disagreements: '各分类标准的分歧',
      axis_year: '年份',
      axis_cumulative: '累计净现金流',
      axis_tonnes: '累计全生命期减排量（吨二氧化碳当量）',
      axis_cost_per_t: '单位减排成本（每吨二氧化碳当量）',
      chart_cashflow_title: '各项目累计现金流',
      chart_cashflow_desc: '{id}：{y0} 年为 {from} {cur}，{y1} 年为 {to} {cur}。',
      chart_cashflow_none: '没有可评估的项目，无现金流可绘制。',
      chart_mac_title: '边际减排成本曲线',
      chart_mac_desc: '{id}：每吨二氧化碳当量 {cost} {cur}，共 {tonnes} 吨二氧化碳当量。',
      chart_mac_none: '没有项目报告减排量，因此没有曲线。',
      chart_mac_excluded: '未列入曲线：',
      mixed_currencies: '注意：各项目币种不同（{list}），曲线共用一个坐标轴，未作换算。',
      working_summary: '{id} — {name}：{n} 个步骤',
      no_working: '该项目未返回计算过程。',
      formula: '公式',
      inputs: '输入',
      input_name: '输入项',
      input_value: '数值',
      input_unit: '单位',
      input_source: '来源',
      result: '结果',
      note: '说明'
    }
  };

  const LANG_KEY = 'greenlight.lang';
  const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const TAXONOMY_ORDER = ['cn', 'eu', 'cbi', 'cgt', 'icma'];

  let lang = 'en';
  // The last successful answer, kept so a language switch redraws without a new request.
  let lastOutput = null;
  // How to send the last upload again (for the results workbook).
  let lastRequest = null;

  function t(key, values) {
    const text = (TEXTS[lang] && TEXTS[lang][key]) || TEXTS.en[key] || key;
    if (!values) {
      return text;
    }
    return text.replace(/\{(\w+)\}/g, (m, name) => (name in values ? String(values[name]) : m));
  }

  function readStoredLang() {
    try {
      return window.localStorage.getItem(LANG_KEY);
    } catch (e) {
      // Storage can be disabled (private windows, strict settings); the page still works.
      return null;
    }
  }

  function storeLang(value) {
    try {
      window.localStorage.setItem(LANG_KEY, value);
    } catch (e) {
      // As above: remembering the choice is a convenience.
    }
  }

  function setLang(value) {
    lang = value === 'zh' ? 'zh' : 'en';
    storeLang(lang);
    document.documentElement.lang = lang === 'zh' ? 'zh-Hans' : 'en';
    document.title = t('title');
    document.querySelectorAll('[data-i18n]').forEach((node) => {
      node.textContent = t(node.getAttribute('data-i18n'));
    });
    document.querySelectorAll('button[data-lang]').forEach((b) => {
      b.setAttribute('aria-pressed', String(b.getAttribute('data-lang') === lang));
    });
    if (lastStatus) {
      setStatus(lastStatus[0], lastStatus[1]);
    }
    if (lastOutput) {
      renderOutput(lastOutput);
    }
  }

  // ---------------------------------------------------------------- decimals

  // Figures arrive as decimal strings at full precision. They are rounded here, half away from
  // zero, with exact integer arithmetic (BigInt), so no binary floating point touches a
  // reported digit. `shift` moves the decimal point (2 turns a rate into a percentage).
  function parseDecimal(text) {
    const m = /^\s*([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/.exec(String(text));
    if (!m || (m[2] === '' && (m[3] === undefined || m[3] === ''))) {
      return null;
    }
    const digits = (m[2] || '') + (m[3] || '');
    let scale = (m[3] || '').length - (m[4] ? parseInt(m[4], 10) : 0);
    let units = BigInt(digits === '' ? '0' : digits);
    if (scale < 0) {
      units *= 10n ** BigInt(-scale);
      scale = 0;
    }
    return { negative: m[1] === '-', units, scale };
  }

  function groupThousands(intText) {
    return intText.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  }

  function formatDecimal(text, places, shift) {
    if (text === null || text === undefined || text === '') {
      return '—';
    }
    const d = parseDecimal(text);
    if (!d) {
      return String(text);
    }
    let scale = d.scale - (shift || 0);
    let units = d.units;
    if (scale < 0) {
      units *= 10n ** BigInt(-scale);
      scale = 0;
    }
    let rounded;
    if (scale > places) {
      const divisor = 10n ** BigInt(scale - places);
      rounded = units / divisor;
      if ((units % divisor) * 2n >= divisor) {
        rounded += 1n;
      }
    } else {
      rounded = units * 10n ** BigInt(places - scale);
    }
    let digits = rounded.toString().padStart(places + 1, '0');
    const intPart = digits.slice(0, digits.length - places);
    const fracPart = places > 0 ? '.' + digits.slice(digits.length - places) : '';
    const sign = d.negative && rounded !== 0n ? '−' : '';
    return sign + groupThousands(intPart) + fracPart;
  }

  const money = (text) => formatDecimal(text, 2, 0);
  const percent = (text) => formatDecimal(text, 2, 2) + ' %';

  // ---------------------------------------------------------------- building the DOM

  function h(tag, attrs, children) {
    const node = document.createElement(tag);
    setAttrs(node, attrs);
    append(node, children);
    return node;
  }

  function s(tag, attrs, children) {
    const node = document.createElementNS(SVG_NS, tag);
    setAttrs(node, attrs);
    append(node, children);
    return node;
  }

  function setAttrs(node, attrs) {
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (v !== null && v !== undefined && v !== false) {
        node.setAttribute(k, v === true ? '' : String(v));
      }
    });
  }

  function append(node, children) {
    if (children === null || children === undefined) {
      return;
    }
    (Array.isArray(children) ? children : [children]).forEach((c) => {
      if (c === null || c === undefined || c === false) {
        return;
      }
      node.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
    });
  }

  const $ = (sel) => document.querySelector(sel);

  // ---------------------------------------------------------------- status and errors

  // The status line is kept as a key and values, so a language switch retranslates it.
  let lastStatus = null;
  function setStatus(key, values) {
    lastStatus = key ? [key, values] : null;
    $('#status').textContent = key ? t(key, values) : '';
  }

  function showProgress(value) {
    const bar = $('#progress');
    bar.hidden = false;
    if (value === null) {
      // No value attribute: the browser draws an indeterminate bar.
      bar.removeAttribute('value');
    } else {
      bar.value = value;
    }
  }

  function hideProgress() {
    const bar = $('#progress');
    bar.hidden = true;
    bar.value = 0;
  }

  function clearError() {
    const box = $('#error');
    box.hidden = true;
    box.textContent = '';
  }

  // `detail` is `{code, message, location, request_id}` as the service answers errors.
  function showError(title, detail) {
    const box = $('#error');
    box.textContent = '';
    box.appendChild(h('p', { class: 'error-title' }, title));
    if (detail) {
      if (detail.message) {
        box.appendChild(h('p', { class: 'error-message' }, detail.message));
      }
      const facts = h('dl', { class: 'error-facts' });
      if (detail.location) {
        append(facts, [h('dt', null, t('error_location')), h('dd', null, h('code', { 'data-testid': 'error-location' }, detail.location))]);
      }
      if (detail.code) {
        append(facts, [h('dt', null, t('error_code')), h('dd', null, h('code', null, detail.code))]);
      }
      if (detail.request_id) {
        append(facts, [h('dt', null, t('error_request')), h('dd', null, h('code', null, detail.request_id))]);
      }
      if (facts.childNodes.length) {
        box.appendChild(facts);
      }
    }
    box.hidden = false;
  }

  // An error answer's detail, whatever the body turned out to be.
  function errorDetail(status, bodyText) {
    try {
      const body = JSON.parse(bodyText);
      if (body && body.error) {
        return body.error;
      }
    } catch (e) {
      // Not JSON (a proxy's page, say): fall through to the status line.
    }
    return { code: 'http_' + status, message: 'HTTP ' + status };
  }

  // ---------------------------------------------------------------- the request

  // Builds the request for the chosen file: a workbook goes as a multipart form, a JSON
  // project file as `{"projects": [...]}`. Resolves to `{body, contentType, pointer}` where
  // `pointer` maps a pointer in the sent document back to one in the user's file.
  function buildRequest(file) {
    const name = (file.name || '').toLowerCase();
    if (name.endsWith('.json') || file.type === 'application/json') {
      return file.text().then((text) => {
        let doc;
        try {
          doc = JSON.parse(text);
        } catch (e) {
          throw { title: t('invalid_json_file'), detail: { code: 'invalid_json', message: e.message, location: file.name } };
        }
        // The user's text is sent as written (not re-serialised), so every number keeps its
        // exact decimal form; only the wrapping is added.
        if (Array.isArray(doc)) {
          return {
            body: '{"projects":' + text + '}',
            contentType: 'application/json',
            pointer: (p) => p.replace(/^\/projects(?=\/|$)/, '')
          };
        }
        if (doc && typeof doc === 'object' && 'projects' in doc) {
          return { body: text, contentType: 'application/json', pointer: (p) => p };
        }
        return {
          body: '{"projects":[' + text + ']}',
          contentType: 'application/json',
          pointer: (p) => p.replace(/^\/projects\/0(?=\/|$)/, '')
        };
      });
    }
    if (name.endsWith('.xlsx') || file.type === XLSX_TYPE) {
      return Promise.resolve({
        form: () => {
          const form = new FormData();
          form.append('file', file, file.name);
          form.append('lang', lang);
          return form;
        },
        pointer: (p) => p
      });
    }
    return Promise.reject({ title: t('unsupported_file'), detail: { code: 'unsupported_file', location: file.name } });
  }

  function send(request, accept, responseType, onUploadProgress) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      // `?lang=` decides the language of the answer (the results workbook's labels);
      // Accept-Language says the same for anything that reads only the header.
      xhr.open('POST', '/v1/appraisals?explain=true&lang=' + encodeURIComponent(lang));
      xhr.setRequestHeader('Accept', accept);
      xhr.setRequestHeader('Accept-Language', lang === 'zh' ? 'zh-CN,zh;q=0.9' : 'en');
      xhr.responseType = responseType;
      if (onUploadProgress) {
        xhr.upload.addEventListener('progress', (e) => onUploadProgress(e.lengthComputable ? e.loaded / e.total : null));
        xhr.upload.addEventListener('load', () => onUploadProgress('sent'));
      }
      // A workbook's JSON answer is streamed: its status comes with the first project, and a
      // problem found later cuts the transfer short. The browser then reports an error with
      // status 0, so the status and request id are kept when the head arrives, to tell a cut
      // answer from a service that could not be reached.
      let head = null;
      xhr.addEventListener('readystatechange', () => {
        if (xhr.readyState === XMLHttpRequest.HEADERS_RECEIVED) {
          head = { status: xhr.status, requestId: xhr.getResponseHeader('x-request-id') };
        }
      });
      xhr.addEventListener('load', () => resolve(xhr));
      xhr.addEventListener('error', () => {
        if (head && head.status === 200) {
          reject({
            title: t('answer_cut'),
            detail: { code: 'answer_cut', message: t('answer_cut_detail'), request_id: head.requestId }
          });
        } else {
          reject({ title: t('network_error') });
        }
      });
      xhr.addEventListener('abort', () => reject({ title: t('network_error') }));
      if (request.form) {
        xhr.send(request.form());
      } else {
        xhr.setRequestHeader('Content-Type', request.contentType);
        xhr.send(request.body);
      }
    });
  }

  function onSubmit(event) {
    event.preventDefault();
    clearError();
    const input = $('#file');
    const file = input.files && input.files[0];
    if (!file) {
      showError(t('no_file'));
      input.focus();
      return;
    }
    // The results on show always belong to the last request: clear them before a new one.
    lastOutput = null;
    lastRequest = null;
    $('#results-section').hidden = true;
    $('#results tbody').textContent = '';
    const submit = $('#submit');
    submit.disabled = true;
    showProgress(0);
    setStatus('uploading');
    let pending = null;
    buildRequest(file)
      .then((request) => {
        pending = request;
        return send(request, 'application/json', 'text', (fraction) => {
          if (fraction === 'sent') {
            showProgress(null);
            setStatus('appraising');
          } else if (fraction !== null) {
            showProgress(Math.round(fraction * 100));
            setStatus('uploading_pct', { pct: Math.round(fraction * 100) });
          }
        });
      })
      .then((xhr) => {
        if (xhr.status !== 200) {
          throw { title: t('failed'), detail: errorDetail(xhr.status, xhr.responseText) };
        }
        let output;
        try {
          output = JSON.parse(xhr.responseText);
        } catch (e) {
          output = null;
        }
        if (!output || !Array.isArray(output.results)) {
          throw { title: t('bad_answer') };
        }
        output.pointer = pending.pointer;
        lastRequest = pending;
        lastOutput = output;
        renderOutput(output);
        const failed = output.results.filter((r) => !r.appraisal).length;
        const problems = Array.isArray(output.problems) ? output.problems.length : 0;
        const key = problems ? 'done_with_problems' : failed ? 'done_with_errors' : 'done';
        setStatus(key, { n: output.results.length, e: failed, p: problems });
        $('#results-heading').focus();
      })
      .catch((problem) => {
        setStatus('failed');
        showError(problem.title || t('failed'), problem.detail);
      })
      .finally(() => {
        hideProgress();
        submit.disabled = false;
      });
  }

  function filenameOf(xhr) {
    const disposition = xhr.getResponseHeader('Content-Disposition') || '';
    const m = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition);
    return m ? decodeURIComponent(m[1]) : 'greenlight-results.xlsx';
  }

  function onDownload() {
    if (!lastRequest) {
      return;
    }
    clearError();
    const button = $('#download-results');
    button.disabled = true;
    showProgress(null);
    setStatus('preparing_download');
    send(lastRequest, XLSX_TYPE, 'blob', null)
      .then((xhr) => {
        if (xhr.status !== 200) {
          return xhr.response.text().then((text) => {
            throw { title: t('failed'), detail: errorDetail(xhr.status, text) };
          });
        }
        const type = xhr.getResponseHeader('Content-Type') || '';
        if (!type.startsWith(XLSX_TYPE)) {
          // Saving a JSON answer under an .xlsx name would give a file Excel cannot open.
          throw { title: t('not_a_workbook'), detail: { code: 'not_a_workbook', message: type } };
        }
        const url = URL.createObjectURL(xhr.response);
        const link = h('a', { href: url, download: filenameOf(xhr), hidden: true });
        document.body.appendChild(link);
        link.click();
        link.remove();
        // Revoked later: the download has to start reading the blob first.
        setTimeout(() => URL.revokeObjectURL(url), 60000);
        setStatus('downloaded');
        return null;
      })
      .catch((problem) => {
        setStatus('failed');
        showError(problem.title || t('failed'), problem.detail);
      })
      .finally(() => {
        hideProgress();
        button.disabled = false;
      });
  }

  // ---------------------------------------------------------------- results table

  function findingText(finding) {
    if (!finding) {
      return '';
    }
    // Short labels for the two findings a table cell shows most; otherwise the engine's own
    // text, which it gives in both languages.
    const known = { never_paid_back: 'never_paid_back', not_abating: 'not_abating' }[finding.code];
    if (known) {
      return t(known);
    }
    if (lang === 'zh' && finding.message_zh) {
      return finding.message_zh;
    }
    return finding.message || finding.code;
  }

  function cellWithNote(main, note, title) {
    return [h('span', { class: 'figure', title: title || null }, main), note ? h('small', { class: 'cell-note' }, note) : null];
  }

  function irrCell(irr) {
    if (!irr) {
      return '—';
    }
    if (irr.flag === 'none' || irr.selected === null || irr.selected === undefined) {
      return cellWithNote(t('no_irr'), irr.reason || '', irr.reason);
    }
    const note = irr.flag === 'multiple' ? t('irr_multiple', { n: irr.roots.length }) : null;
    return cellWithNote(percent(irr.selected), note, irr.reason);
  }

  function paybackCell(payback) {
    if (!payback) {
      return '—';
    }
    if (payback.finding) {
      return cellWithNote(findingText(payback.finding), null, payback.finding.message);
    }
    const value = payback.interpolated !== null && payback.interpolated !== undefined ? payback.interpolated : payback.year;
    return cellWithNote(formatDecimal(value, 2, 0), payback.turns_negative_later ? t('turns_negative_later') : null);
  }

  function moneyCell(value, currency) {
    if (value === null || value === undefined) {
      return h('span', { class: 'muted' }, t('not_assessed'));
    }
    return [h('span', { class: 'figure' }, money(value)), ' ', h('span', { class: 'unit' }, currency || '')];
  }

  function verdictLabel(v) {
    return t('verdict_' + v);
  }

  function verdictCell(eligibility) {
    if (!eligibility || !Array.isArray(eligibility.taxonomies)) {
      return h('span', { class: 'muted' }, t('no_eligibility'));
    }
    const list = h('ul', { class: 'verdicts' });
    const ordered = eligibility.taxonomies.slice().sort((a, b) => TAXONOMY_ORDER.indexOf(a.taxonomy) - TAXONOMY_ORDER.indexOf(b.taxonomy));
    ordered.forEach((tax) => {
      const reason = lang === 'zh' ? tax.reason_zh : tax.reason_en;
      const clauses = (tax.clauses || []).map((c) =>
        h('li', null, [
          h('span', { class: 'verdict verdict-' + c.verdict }, verdictLabel(c.verdict)),
          ' ',
          h('strong', null, (lang === 'zh' ? c.title_zh : c.title_en) || c.rule),
          c.clause ? h('span', { class: 'muted' }, ' (' + c.clause + ')') : null,
          h('br'),
          lang === 'zh' ? c.reason_zh : c.reason_en
        ])
      );
      list.appendChild(
        h('li', { 'data-taxonomy': tax.taxonomy }, h('details', null, [
          h('summary', null, [
            h('abbr', { title: t('tax_' + tax.taxonomy) }, tax.taxonomy.toUpperCase()),
            ': ',
            h('span', { class: 'verdict verdict-' + tax.verdict }, verdictLabel(tax.verdict))
          ]),
          h('div', { class: 'reason' }, [
            h('p', null, [h('strong', null, t('tax_' + tax.taxonomy)), ' ', h('span', { class: 'muted' }, tax.pack + ' ' + tax.version)]),
            h('p', null, reason),
            clauses.length ? h('p', { class: 'small-heading' }, t('clauses')) : null,
            clauses.length ? h('ul', { class: 'clauses' }, clauses) : null
          ])
        ]))
      );
    });
    const parts = [list];
    if (Array.isArray(eligibility.disagreements) && eligibility.disagreements.length) {
      parts.push(h('details', { class: 'disagreements' }, [
        h('summary', null, t('disagreements')),
        h('ul', null, eligibility.disagreements.map((d) => h('li', null, lang === 'zh' ? d.explanation_zh : d.explanation_en)))
      ]));
    }
    return parts;
  }

  function resultRow(result, pointerOf) {
    const a = result.appraisal;
    const id = result.id || (a && a.project && a.project.id) || '#' + (result.index + 1);
    if (!a) {
      const errors = (result.errors || []).map((e) =>
        h('li', null, [
          h('code', { 'data-testid': 'error-location' }, e.location || pointerOf(e.pointer || '') || '/'),
          ' ',
          e.message,
          ' ',
          h('span', { class: 'muted' }, '(' + e.code + ')')
        ])
      );
      return h('tr', { class: 'row-error', 'data-project': id }, [
        h('th', { scope: 'row' }, id),
        h('td', { colspan: 7 }, [h('p', { class: 'error-title' }, t('project_errors')), h('ul', null, errors)])
      ]);
    }
    const currency = a.project.currency;
    const f = a.financial || {};
    const e = a.emissions;
    let abatement;
    let costPerT;
    if (!e) {
      abatement = h('span', { class: 'muted' }, t('no_emissions'));
      costPerT = h('span', { class: 'muted' }, t('no_emissions'));
    } else {
      abatement = h('span', { class: 'figure' }, money(e.lifetime && e.lifetime.abatement));
      const c = e.cost_per_tonne;
      costPerT = c && c.finding
        ? cellWithNote(findingText(c.finding), null, c.finding.message)
        : [h('span', { class: 'figure' }, money(c && c.cost_per_t)), ' ', h('span', { class: 'unit' }, currency + '/tCO2e')];
    }
    return h('tr', { 'data-project': id }, [
      h('th', { scope: 'row' }, [h('code', { class: 'project-id' }, id), h('span', { class: 'project-name' }, a.project.name || '')]),
      h('td', { class: 'num', 'data-figure': 'npv' }, moneyCell(f.npv, currency)),
      h('td', { class: 'num', 'data-figure': 'irr' }, irrCell(f.irr)),
      h('td', { class: 'num', 'data-figure': 'payback' }, paybackCell(f.payback)),
      h('td', { class: 'num', 'data-figure': 'enpv' }, moneyCell(a.economic ? a.economic.enpv : null, currency)),
      h('td', { class: 'num', 'data-figure': 'abatement' }, abatement),
      h('td', { class: 'num', 'data-figure': 'cost-per-t' }, costPerT),
      h('td', { 'data-figure': 'verdicts' }, verdictCell(result.eligibility))
    ]);
  }

  // ---------------------------------------------------------------- charts

  // Chart coordinates are the only place figures become binary floating point: they place
  // pixels, and every number printed on a chart still comes from `formatDecimal`.
  const num = (text) => Number(text);

  // Round tick steps (1, 2 or 5 times a power of ten) covering [lo, hi].
  function ticks(lo, hi, count) {
    if (lo === hi) {
      lo -= 1;
      hi += 1;
    }
    const raw = (hi - lo) / count;
    const power = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 5, 10].map((m) => m * power).find((st) => st >= raw) || 10 * power;
    const first = Math.floor(lo / step) * step;
    const out = [];
    for (let v = first; v <= hi + step * 1e-9; v += step) {
      out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
    }
    if (out[out.length - 1] < hi) {
      out.push(out[out.length - 1] + step);
    }
    return { values: out, step };
  }

  // A tick label: compact (k, M) so long amounts fit the axis.
  function tickLabel(v, step) {
    const abs = Math.abs(v);
    const places = step < 1 ? Math.min(6, Math.ceil(-Math.log10(step))) : 0;
    if (abs >= 1e6 && step >= 1e5) {
      return (v / 1e6).toLocaleString('en-US', { maximumFractionDigits: 2 }) + 'M';
    }
    if (abs >= 1e3 && step >= 100) {
      return (v / 1e3).toLocaleString('en-US', { maximumFractionDigits: 2 }) + 'k';
    }
    return v.toLocaleString('en-US', { maximumFractionDigits: places });
  }

  const PALETTE = ['#1b7837', '#2166ac', '#b2182b', '#8c510a', '#762a83', '#01665e', '#c51b7d', '#4d4d4d'];
  const DASHES = [null, '6 3', '2 3', '8 3 2 3', '1 2', '10 4'];

  function chartFrame(box, titleKey, descText, width, height) {
    const titleId = box.id + '-title';
    const descId = box.id + '-desc';
    const svg = s('svg', {
      viewBox: '0 0 ' + width + ' ' + height,
      width: '100%',
      role: 'img',
      'aria-labelledby': titleId + ' ' + descId,
      preserveAspectRatio: 'xMidYMid meet'
    }, [s('title', { id: titleId }, t(titleKey)), s('desc', { id: descId }, descText)]);
    box.appendChild(svg);
    return svg;
  }

  function axes(svg, plot, xTicks, yTicks, xScale, yScale, xLabel, yLabel, xFormat) {
    const g = s('g', { class: 'axes' });
    yTicks.values.forEach((v) => {
      const y = yScale(v);
      g.appendChild(s('line', { x1: plot.left, x2: plot.right, y1: y, y2: y, class: v === 0 ? 'zero' : 'grid' }));
      g.appendChild(s('text', { x: plot.left - 6, y: y + 4, 'text-anchor': 'end', class: 'tick' }, tickLabel(v, yTicks.step)));
    });
    xTicks.values.forEach((v) => {
      const x = xScale(v);
      g.appendChild(s('line', { x1: x, x2: x, y1: plot.bottom, y2: plot.bottom + 5, class: 'axis' }));
      g.appendChild(s('text', { x, y: plot.bottom + 18, 'text-anchor': 'middle', class: 'tick' }, xFormat(v)));
    });
    g.appendChild(s('line', { x1: plot.left, x2: plot.right, y1: plot.bottom, y2: plot.bottom, class: 'axis' }));
    g.appendChild(s('line', { x1: plot.left, x2: plot.left, y1: plot.top, y2: plot.bottom, class: 'axis' }));
    g.appendChild(s('text', { x: (plot.left + plot.right) / 2, y: plot.bottom + 38, 'text-anchor': 'middle', class: 'label' }, xLabel));
    g.appendChild(s('text', {
      x: -(plot.top + plot.bottom) / 2, y: 16, transform: 'rotate(-90)', 'text-anchor': 'middle', class: 'label'
    }, yLabel));
    svg.appendChild(g);
  }

  function renderCashflowChart(output) {
    const box = $('#chart-cashflow');
    box.textContent = '';
    const series = output.results
      .filter((r) => r.appraisal && Array.isArray(r.appraisal.years) && r.appraisal.years.length)
      .map((r) => ({
        id: r.appraisal.project.id,
        currency: r.appraisal.project.currency,
        years: r.appraisal.years.map((y) => ({ year: y.year, cumulative: y.cumulative }))
      }));
    if (!series.length) {
      box.appendChild(h('p', { class: 'muted' }, t('chart_cashflow_none')));
      return;
    }
    const width = 760;
    const height = 380;
    const plot = { left: 78, right: width - 16, top: 16, bottom: height - 52 };
    const allYears = series.flatMap((sr) => sr.years.map((y) => y.year));
    const allValues = series.flatMap((sr) => sr.years.map((y) => num(y.cumulative)));
    const x0 = Math.min(...allYears);
    const x1 = Math.max(...allYears);
    const yT = ticks(Math.min(0, ...allValues), Math.max(0, ...allValues), 6);
    const y0 = yT.values[0];
    const y1 = yT.values[yT.values.length - 1];
    const xScale = (v) => plot.left + (x1 === x0 ? 0.5 : (v - x0) / (x1 - x0)) * (plot.right - plot.left);
    const yScale = (v) => plot.bottom - ((v - y0) / (y1 - y0)) * (plot.bottom - plot.top);
    const xT = ticks(x0, x1, Math.min(8, Math.max(1, x1 - x0)));
    xT.values = xT.values.filter((v) => v >= x0 && v <= x1 && Number.isInteger(v));

    const desc = series.map((sr) => {
      const first = sr.years[0];
      const last = sr.years[sr.years.length - 1];
      return t('chart_cashflow_desc', { id: sr.id, from: money(first.cumulative), to: money(last.cumulative), y0: first.year, y1: last.year, cur: sr.currency });
    }).join(' ');
    const svg = chartFrame(box, 'chart_cashflow_title', desc, width, height);
    axes(svg, plot, xT, yT, xScale, yScale, t('axis_year'), t('axis_cumulative'), (v) => String(v));

    const legend = h('ul', { class: 'legend' });
    series.forEach((sr, i) => {
      const color = PALETTE[i % PALETTE.length];
      const dash = DASHES[i % DASHES.length];
      const points = sr.years.map((y) => xScale(y.year).toFixed(1) + ',' + yScale(num(y.cumulative)).toFixed(1)).join(' ');
      const last = sr.years[sr.years.length - 1];
      const g = s('g', { class: 'series', 'data-series': sr.id });
      g.appendChild(s('polyline', { points, fill: 'none', stroke: color, 'stroke-width': 2.5, 'stroke-dasharray': dash }));
      // One marked point per project: where its cumulative flow ends, the figure a reader
      // compares across projects.
      g.appendChild(s('circle', {
        cx: xScale(last.year), cy: yScale(num(last.cumulative)), r: 5, fill: color,
        'data-point': '', 'data-project': sr.id
      }, s('title', null, sr.id + ' ' + last.year + ': ' + money(last.cumulative) + ' ' + sr.currency)));
      svg.appendChild(g);
      legend.appendChild(h('li', null, [
        (() => {
          const key = s('svg', { width: 28, height: 10, 'aria-hidden': 'true' });
          key.appendChild(s('line', { x1: 0, x2: 28, y1: 5, y2: 5, stroke: color, 'stroke-width': 2.5, 'stroke-dasharray': dash }));
          return key;
        })(),
        ' ',
        h('code', null, sr.id),
        ' (' + sr.currency + ')'
      ]));
    });
    box.appendChild(legend);
    const currencies = [...new Set(series.map((sr) => sr.currency))];
    if (currencies.length > 1) {
      box.appendChild(h('p', { class: 'help' }, t('mixed_currencies', { list: currencies.join(', ') })));
    }
  }

  function renderMacChart(output) {
    const box = $('#chart-mac');
    box.textContent = '';
    const curve = output.mac_curve;
    const bars = curve && Array.isArray(curve.bars) ? curve.bars : [];
    const currencyOf = {};
    output.results.forEach((r) => {
      if (r.appraisal) {
        currencyOf[r.appraisal.project.id] = r.appraisal.project.currency;
      }
    });
    if (!bars.length) {
      box.appendChild(h('p', { class: 'muted' }, t('chart_mac_none')));
    } else {
      const width = 760;
      const height = 380;
      const plot = { left: 78, right: width - 16, top: 16, bottom: height - 52 };
      const total = num(curve.total_tonnes_co2e) || Math.max(...bars.map((b) => num(b.cumulative_to_t)));
      const costs = bars.map((b) => num(b.cost_per_t));
      const yT = ticks(Math.min(0, ...costs), Math.max(0, ...costs), 6);
      const y0 = yT.values[0];
      const y1 = yT.values[yT.values.length - 1];
      const xT = ticks(0, total, 6);
      const xMax = xT.values[xT.values.length - 1];
      const xScale = (v) => plot.left + (v / xMax) * (plot.right - plot.left);
      const yScale = (v) => plot.bottom - ((v - y0) / (y1 - y0)) * (plot.bottom - plot.top);
      const desc = bars.map((b) => t('chart_mac_desc', {
        id: b.project_id, cost: money(b.cost_per_t), tonnes: money(b.tonnes_co2e), cur: currencyOf[b.project_id] || ''
      })).join(' ');
      const svg = chartFrame(box, 'chart_mac_title', desc, width, height);
      axes(svg, plot, xT, yT, xScale, yScale, t('axis_tonnes'), t('axis_cost_per_t'), (v) => tickLabel(v, xT.step));
      bars.forEach((b, i) => {
        const xa = xScale(num(b.cumulative_from_t));
        const xb = xScale(num(b.cumulative_to_t));
        const ya = yScale(0);
        const yb = yScale(num(b.cost_per_t));
        const color = PALETTE[i % PALETTE.length];
        const g = s('g', { class: 'bar', 'data-series': b.project_id });
        g.appendChild(s('rect', {
          x: xa, y: Math.min(ya, yb), width: Math.max(1, xb - xa), height: Math.max(1, Math.abs(yb - ya)),
          fill: color, 'fill-opacity': 0.75, stroke: '#222', 'stroke-width': 0.8,
          'data-point': '', 'data-project': b.project_id
        }, s('title', null, b.project_id + ': ' + money(b.cost_per_t) + ' ' + (currencyOf[b.project_id] || '') + '/tCO2e, ' + money(b.tonnes_co2e) + ' tCO2e')));
        if (xb - xa > 40) {
          const below = yb > ya;
          g.appendChild(s('text', {
            x: (xa + xb) / 2, y: below ? yb + 14 : yb - 5, 'text-anchor': 'middle', class: 'bar-label'
          }, b.project_id));
        }
        svg.appendChild(g);
      });
    }
    const excluded = curve && Array.isArray(curve.excluded) ? curve.excluded : [];
    if (excluded.length) {
      box.appendChild(h('p', { class: 'help' }, [
        t('chart_mac_excluded') + ' ',
        ...excluded.flatMap((x, i) => [i ? '; ' : '', h('code', null, x.project_id), ' — ' + findingText(x.finding)])
      ]));
    }
  }

  // ---------------------------------------------------------------- the working

  function workingFor(result) {
    const a = result.appraisal;
    const id = a.project.id;
    const steps = Array.isArray(a.trace) ? a.trace.filter((st) => st.formula || st.result) : [];
    const details = h('details', { class: 'working', 'data-project': id });
    details.appendChild(h('summary', null, t('working_summary', { id, name: a.project.name || '', n: steps.length })));
    if (!steps.length) {
      details.appendChild(h('p', { class: 'muted' }, t('no_working')));
      return details;
    }
    const list = h('ol', { class: 'steps' });
    steps.forEach((st) => {
      const title = (st.title && (st.title[lang] || st.title.en)) || st.id;
      const note = st.note && (st.note[lang] || st.note.en);
      const inputs = (st.inputs || []).map((inp) =>
        h('tr', null, [
          h('th', { scope: 'row' }, h('code', null, inp.name)),
          h('td', { class: 'num' }, h('code', null, inp.value)),
          h('td', null, inp.unit || ''),
          h('td', { class: 'source' }, inp.source || '')
        ])
      );
      list.appendChild(h('li', { 'data-step': st.id }, [
        h('h4', null, [title, ' ', h('code', { class: 'muted' }, st.id)]),
        h('p', null, [h('strong', null, t('formula') + ': '), h('code', null, st.formula)]),
        inputs.length ? h('table', { class: 'inputs' }, [
          h('thead', null, h('tr', null, [
            h('th', { scope: 'col' }, t('input_name')),
            h('th', { scope: 'col' }, t('input_value')),
            h('th', { scope: 'col' }, t('input_unit')),
            h('th', { scope: 'col' }, t('input_source'))
          ])),
          h('tbody', null, inputs)
        ]) : null,
        h('p', null, [h('strong', null, t('result') + ': '), h('code', null, st.result), ' ', st.unit || '']),
        note ? h('p', { class: 'note' }, [h('strong', null, t('note') + ': '), note]) : null
      ]));
    });
    details.appendChild(list);
    return details;
  }

  // The switching values and elasticities of one view of a project (`financial` or
  // `economic`), a row per cash-flow category or economic benefit.
  function sensitivityFor(result, s, view) {
    const a = result.appraisal;
    const currency = a.project.currency;
    const figure = (f, places, shift, suffix) =>
      typeof f === 'string' ? formatDecimal(f, places, shift) + suffix : findingText(f.finding);
    const rows = s.variables.map((v) =>
      h('tr', { 'data-variable': v.variable }, [
        h('th', { scope: 'row' }, v.label[lang] || v.label.en),
        h('td', { class: 'num', 'data-figure': 'switching_value' }, figure(v.switching_value, 2, 2, ' %')),
        h('td', { class: 'num', 'data-figure': 'elasticity' }, figure(v.elasticity, 4, 0, '')),
        h('td', { class: 'num' }, moneyCell(v.npv_down, currency)),
        h('td', { class: 'num' }, moneyCell(v.npv_up, currency))
      ])
    );
    const caption = view === 'economic' ? 'sensitivity_caption_economic' : 'sensitivity_caption';
    return h('table', { class: 'sensitivity', 'data-project': a.project.id, 'data-view': view }, [
      h('caption', null, t(caption, { id: a.project.id, name: a.project.name || '', v: percent(s.variation) })),
      h('thead', null, h('tr', null, [
        h('th', { scope: 'col' }, t('col_category')),
        h('th', { scope: 'col', class: 'num' }, t('col_switching')),
        h('th', { scope: 'col', class: 'num' }, t('col_elasticity')),
        h('th', { scope: 'col', class: 'num' }, t('col_npv_down')),
        h('th', { scope: 'col', class: 'num' }, t('col_npv_up'))
      ])),
      h('tbody', null, rows)
    ]);
  }

  // ---------------------------------------------------------------- rendering

  // Problems found while reading an uploaded workbook: the projects they concern are not in
  // the results, so they are listed above the table, each at its cell.
  function renderProblems(problems) {
    const box = $('#problems');
    box.textContent = '';
    if (!Array.isArray(problems) || !problems.length) {
      box.hidden = true;
      return;
    }
    box.appendChild(h('p', { class: 'error-title' }, t('workbook_problems', { n: problems.length })));
    box.appendChild(h('ul', null, problems.map((p) =>
      h('li', { 'data-problem': p.code }, [
        h('code', { 'data-testid': 'error-location' }, p.location || t('whole_file')),
        ' ',
        p.message || '',
        ' ',
        h('span', { class: 'muted' }, '(' + p.code + ')')
      ])
    )));
    box.hidden = false;
  }

  function renderOutput(output) {
    const pointerOf = output.pointer || ((p) => p);
    renderProblems(output.problems);
    // Keep which reason and working panels are open across a language switch.
    const open = new Set([...document.querySelectorAll('#results-section details[open]')].map(detailsKey));
    const tbody = $('#results tbody');
    tbody.textContent = '';
    output.results.forEach((r) => tbody.appendChild(resultRow(r, pointerOf)));
    renderCashflowChart(output);
    renderMacChart(output);
    const analysed = output.results.filter((r) => r.appraisal && r.appraisal.sensitivity);
    const sensitivity = $('#sensitivity-list');
    sensitivity.textContent = '';
    analysed.forEach((r) => {
      sensitivity.appendChild(sensitivityFor(r, r.appraisal.sensitivity, 'financial'));
      const economic = r.appraisal.economic && r.appraisal.economic.sensitivity;
      if (economic) {
        sensitivity.appendChild(sensitivityFor(r, economic, 'economic'));
      }
    });
    $('#sensitivity').hidden = analysed.length === 0;
    const working = $('#working-list');
    working.textContent = '';
    output.results.filter((r) => r.appraisal).forEach((r) => working.appendChild(workingFor(r)));
    document.querySelectorAll('#results-section details').forEach((d) => {
      if (open.has(detailsKey(d))) {
        d.open = true;
      }
    });
    $('#results-section').hidden = false;
  }

  function detailsKey(d) {
    const row = d.closest('[data-project]');
    const tax = d.closest('[data-taxonomy]');
    return [row && row.getAttribute('data-project'), tax && tax.getAttribute('data-taxonomy'), d.className].join('|');
  }

  // Printing shows the working of every project: a closed <details> would hide it on paper.
  // The verdict reasons stay as the reader left them, so table rows stay short enough to
  // print whole.
  let closedForPrint = [];
  function beforePrint() {
    closedForPrint = [...document.querySelectorAll('#working-list details:not([open])')];
    closedForPrint.forEach((d) => { d.open = true; });
  }
  function afterPrint() {
    closedForPrint.forEach((d) => { d.open = false; });
    closedForPrint = [];
  }

  // ---------------------------------------------------------------- start

  function start() {
    $('#results-heading').setAttribute('tabindex', '-1');
    document.querySelectorAll('button[data-lang]').forEach((b) => {
      b.addEventListener('click', () => setLang(b.getAttribute('data-lang')));
    });
    $('#upload-form').addEventListener('submit', onSubmit);
    $('#download-results').addEventListener('click', onDownload);
    window.addEventListener('beforeprint', beforePrint);
    window.addEventListener('afterprint', afterPrint);
    const stored = readStoredLang();
    const preferred = stored || ((navigator.language || '').toLowerCase().startsWith('zh') ? 'zh' : 'en');
    setLang(preferred);
  }

  // Exposed for the page's own checks in a browser console and for tests of the formatting.
  window.greenlight = { formatDecimal, setLang };

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
